"""The poll: fetch → parse → tag → cluster → alerts → store, one transaction per feed
(:mod:`.poller`, :mod:`.ingest`, :mod:`.write`), forever on each feed's schedule
(:mod:`.loop`), with the poll lock (:mod:`.lock`) and the parse workers (:mod:`.workers`,
:mod:`.prepare`, :mod:`.lifeline`)."""
