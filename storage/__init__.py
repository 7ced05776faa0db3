"""Persistence: SQLAlchemy models and repositories, migrations, pseudonyms. The only layer with SQL."""
