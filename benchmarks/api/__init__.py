"""The API benchmark: the practitioner's person view over HTTP, with and without governance."""
