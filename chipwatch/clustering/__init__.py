"""Stories: which articles tell the same event. Candidates (:mod:`.candidates`, and
:mod:`.backfill` for old articles) → signals and a score per pair (:mod:`.signals`,
:mod:`.scoring`) → the decision (:mod:`.clusterer`) → why (:mod:`.explanation`). The
features compared come from :mod:`.features` (with :mod:`.text` and :mod:`.numbers`);
the store's side (the article and story rows it writes) is :mod:`chipwatch.store.clustering`."""
