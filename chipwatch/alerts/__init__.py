"""Alerts: watches, spikes and feed health raise them (:mod:`.engine`, inside the
ingest transaction); :mod:`.notify` delivers them afterwards on their channels
(:mod:`.channels`: one registry)."""
