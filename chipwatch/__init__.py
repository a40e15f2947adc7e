"""chipwatch: semiconductor and export-control news, folded into stories, in your terminal."""

import sys

__version__ = "0.1.0"

# httpx imports its own command line (httpx._main) when click, rich and pygments are
# installed (Textual brings rich): ~70 ms of every poll's start-up for a tool chipwatch
# never runs. A None in sys.modules makes that import fail, and httpx then defines a
# stub in its place (its documented fallback when those packages are missing).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
