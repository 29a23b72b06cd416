"""The store: SQLAlchemy 2 models, migrations, scoped and audited access to figures and answers."""
