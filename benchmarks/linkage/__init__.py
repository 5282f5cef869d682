"""Linkage accuracy and speed benchmarks: ``python -m benchmarks.linkage.run [--quick]``."""
