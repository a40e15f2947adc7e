"""Ingest: fetching feeds politely (HTTP and local files), scheduling the next poll, and
parsing what came back (:mod:`chipwatch.ingest.parse`). Values only: what to fetch,
what came back and what a document held (:mod:`chipwatch.ingest.types`); the store and
the rest of the poll are the pipeline's (:mod:`chipwatch.pipeline`)."""
