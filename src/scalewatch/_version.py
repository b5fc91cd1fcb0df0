"""The package version (one place: the package, the report and the run registry read it)."""

__version__ = "0.1.0"
