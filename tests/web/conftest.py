from tests.store.conftest import database_url  # noqa: F401  (the same SQLite + PostgreSQL fixture)
