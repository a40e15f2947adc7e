"""chipwatch: semiconductor and export-control news, folded into stories, in your terminal."""

__version__ = "0.1.0"
