"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from patrol.extensions import db


def test_models_and_migrations_agree(app):
    # The test database was built by `flask db upgrade` (see conftest), not create_all.
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_database_is_at_the_latest_revision(app):
    from alembic.script import ScriptDirectory

    with app.app_context(), db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        config = app.extensions["migrate"].migrate.get_config()
    assert current == ScriptDirectory.from_config(config).get_current_head()
