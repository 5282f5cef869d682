"""A synthetic borough, Northbridge: residents, households and the extracts of six systems.

Only ``joinedup demo`` and the tests and benchmarks use it. ``generate_borough`` is the entry
point; see ``docs/demo.md`` for the sources and their deliberate errors.
"""

from joinedup.demo.generate import Manifest, SourceManifest, generate_borough

__all__ = ["Manifest", "SourceManifest", "generate_borough"]
