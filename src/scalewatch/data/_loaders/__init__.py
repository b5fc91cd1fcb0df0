"""Loaders of the public datasets behind :mod:`scalewatch.data.datasets` (private).

``_catalog`` holds the registry table (source, commit, licence, citation), ``_pins``
the sha256 of every file, ``_fetch`` finds files (mirror, cache, download), and
one module per dataset turns its pinned files into runs and documented tables.
"""
