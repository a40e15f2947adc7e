"""Digests: the stories of a window with every source cited. :mod:`.build` reads them
(through :mod:`chipwatch.store.digests`) into plain data (:mod:`.model`); :mod:`.text`
(md, json, csv), :mod:`.html` and :mod:`.atom` render it. Rendering is not storage."""
