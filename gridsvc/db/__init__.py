"""Database access: embedded cluster, engine, models, migrations."""
