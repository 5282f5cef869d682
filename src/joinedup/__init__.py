"""joinedup: join up what public services know about the residents they serve, safely."""

__version__ = "0.1.0"
