"""chipwatch's reproducible performance suite: ``python -m benchmarks [--size small|full]``.

Each ``benchmarks/bench_<area>.py`` module exposes ``run(size: str) -> list[dict]``;
``size`` is ``"small"`` (CI: seconds, proves the suite still works) or ``"full"``
(the figures recorded in docs/performance.md). A row is a dict:

``name``      what is measured, e.g. ``"ingest: first poll"``
``value``     the absolute figure (a number)
``unit``      ``"articles/s"``, ``"s"``, ``"ms"``, ``"µs"``, ``"MB"``, ``"×"`` …
``target``    the bar as text: ``"< 3"``, ``">= 50000"``; a trailing ``x`` (``"<= 0.3x"``)
              compares ``ratio`` instead of ``value``; ``""`` when there is no bar
``baseline``  (optional) the reference figure measured in the same run
``ratio``     (optional) value / baseline, or whatever ratio the target is about
``note``      (optional) one short remark (what was skipped, which size was used)

The harness adds ``met`` (True/False/None) from ``target``.
"""
