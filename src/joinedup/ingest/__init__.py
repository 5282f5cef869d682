"""Ingest: read a source system's extract per its mapping, standardise, store, reconcile.

The entry point is :func:`joinedup.ingest.pipeline.ingest_file`; mappings are loaded with
:func:`joinedup.ingest.mapping.load_mapping`. See ``docs/ingest.md`` and ``docs/mappings.md``.
Importing this package imports nothing else, so ``joinedup mapping check`` stays quick.
"""
