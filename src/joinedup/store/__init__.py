"""The store: SQLAlchemy tables, Alembic migrations and repositories (SQLite or PostgreSQL).

Import what you need from the modules themselves (``joinedup.store.db``, ``.records`` …);
this package imports nothing on its own so that ``import joinedup`` stays light.
"""
