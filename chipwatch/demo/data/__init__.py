"""Bundled demo articles, one TOML file per outlet (a package so it ships in wheels)."""
