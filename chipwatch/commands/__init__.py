"""One module per command; each exposes run functions taking a Context."""
