"""Migrations cannot drift from the models where Alembic's autogenerate does not look (it is what
tests/test_migrations.py compares): a partial index's WHERE, every downgrade run and upgraded again,
and a downgrade that loses data saying so."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex

from patrol import create_app
from patrol.extensions import db

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
INDEX_NAME = re.compile(r"CREATE (?:UNIQUE )?INDEX (\S+) ON ", re.IGNORECASE)
# The PostgreSQL schema the round trip builds its own copy in; the test database's public schema stays at head.
SCRATCH_SCHEMA = "migration_round_trip"
# What a second app on the scratch database shares with the session's (as tests/test_sign_in_throttling.py).
SHARED_SETTINGS = (
    "TESTING",
    "SECRET_KEY",
    "PATROL_BASE_URL",
    "PATROL_PASSWORD_HASH",
    "PATROL_REDIS_URL",
    "RATELIMIT_KEY_PREFIX",
)


# ---------------------------------------------------------------------------------------------
# A partial index's WHERE


def index_definitions(connection) -> dict[str, str]:
    """Each index of the current schema as the database keeps its definition."""
    if connection.dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    return dict(connection.execute(text(query)).all())


def where_of(definition: str) -> str | None:
    """The WHERE of an index definition, whitespace, identifier quotes and enclosing parentheses aside."""
    parts = re.split(r"\sWHERE\s", definition, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) == 1:
        return None
    where = re.sub(r"\s+", " ", parts[1].replace('"', "")).strip()
    where = re.sub(r"\(\s", "(", re.sub(r"\s\)", ")", where))
    while _enclosed(where):
        where = where[1:-1].strip()
    return where


def _enclosed(where: str) -> bool:
    """Whether one pair of parentheses holds all of it ("(a) AND (b)" is not enclosed)."""
    depth = 0
    for position, char in enumerate(where):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and position < len(where) - 1:
            return False
    return where.startswith("(") and depth == 0


def model_wheres(connection) -> dict[str, str | None]:
    """Each model index's WHERE as this database writes it (PostgreSQL rewrites `IN (…)` as `= ANY
    (ARRAY[…])`): the model's CREATE INDEX, compiled for the dialect, run under another name in a
    transaction that is rolled back, and its definition read back like the migrated one's."""
    probes = {}
    with connection.begin() as transaction:
        for table in db.metadata.sorted_tables:
            for index in table.indexes:
                create = str(CreateIndex(index).compile(dialect=connection.dialect))
                probe = f"drift_probe_{len(probes)}"
                probes[probe] = INDEX_NAME.match(create).group(1).strip('"')
                connection.exec_driver_sql(INDEX_NAME.sub(f"CREATE INDEX {probe} ON ", create, count=1))
        written = index_definitions(connection)
        transaction.rollback()
    return {name: where_of(written[probe]) for probe, name in probes.items()}


def assert_partial_indexes_match_the_models(engine) -> None:
    with engine.connect() as connection:
        migrated = {name: where_of(definition) for name, definition in index_definitions(connection).items()}
        connection.rollback()
        modelled = model_wheres(connection)
    assert [name for name, where in modelled.items() if where], "no partial index was compared"
    assert {name: migrated.get(name, "(no such index)") for name in modelled} == modelled


def test_each_partial_index_has_the_where_of_its_model(app):
    with app.app_context():
        assert_partial_indexes_match_the_models(db.engine)


@pytest.mark.parametrize(
    ("definition", "where"),
    [
        ("CREATE INDEX ix ON tasks (status, id) WHERE status = 'closed'", "status = 'closed'"),
        (
            'CREATE INDEX "ix" ON "tasks" (id)\n  WHERE ( "status" IN (\'open\', \'fixed\') )',
            "status IN ('open', 'fixed')",
        ),
        (
            "CREATE INDEX ix ON public.tasks USING btree (id) WHERE ((status)::text = 'closed'::text)",
            "(status)::text = 'closed'::text",
        ),
        ("CREATE INDEX ix ON t (id) WHERE (a = 1) OR (b = 2)", "(a = 1) OR (b = 2)"),
        ("CREATE UNIQUE INDEX ix ON t (id)", None),
    ],
)
def test_the_where_read_back_leaves_out_only_what_does_not_change_it(definition, where):
    assert where_of(definition) == where


# ---------------------------------------------------------------------------------------------
# Every downgrade, and every upgrade again


@pytest.fixture
def scratch_app(app, tmp_path):
    """An app on a database of its own: SQLite in a temporary file; on PostgreSQL a schema of the test
    database (the connection's search_path), dropped afterwards."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    postgres = url.get_backend_name() == "postgresql"
    if postgres:
        _recreate_scratch_schema(app, create=True)
        url = url.update_query_dict({"options": f"-csearch_path={SCRATCH_SCHEMA}"})
    else:
        url = make_url(f"sqlite:///{tmp_path / 'round_trip.sqlite3'}")
    settings = {key: app.config[key] for key in SHARED_SETTINGS}
    scratch = create_app(
        {
            **settings,
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "PATROL_PHOTO_DIR": str(tmp_path / "photos"),
        }
    )
    yield scratch
    with scratch.app_context():
        db.session.remove()
        db.engine.dispose()
    if postgres:
        _recreate_scratch_schema(app, create=False)


def _recreate_scratch_schema(app, *, create: bool) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE"))
        if create:
            connection.execute(text(f"CREATE SCHEMA {SCRATCH_SCHEMA}"))


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_every_downgrade_runs_and_the_upgrades_build_the_models_again(scratch_app):
    with scratch_app.app_context():
        config = scratch_app.extensions["migrate"].migrate.get_config()
        chain = [script.revision for script in ScriptDirectory.from_config(config).walk_revisions()]
        upgrade()
        visited = [_current_revision()]
        while visited[-1] is not None:
            downgrade(revision="-1")
            visited.append(_current_revision())
        assert visited == [*chain, None]  # one revision at a time, from head to base
        upgrade()
        assert _current_revision() == chain[0]
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        assert_partial_indexes_match_the_models(db.engine)


# ---------------------------------------------------------------------------------------------
# A downgrade that loses data says so

DROPS = {"drop_table", "drop_column"}
CHANGES_ROWS = re.compile(r"\s*(DELETE|UPDATE|TRUNCATE|DROP)\b", re.IGNORECASE)


def loses_data(function: ast.FunctionDef) -> bool:
    """Whether it drops a table or column, or runs SQL that deletes or rewrites rows."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DROPS:
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHANGES_ROWS.match(node.value):
            return True
    return False


def unsaid_losses(source: str) -> bool:
    downgrade_function = next(
        node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef) and node.name == "downgrade"
    )
    said = "Lossy downgrade:" in (ast.get_docstring(downgrade_function) or "")
    return loses_data(downgrade_function) and not said


def test_a_downgrade_that_loses_data_says_so_in_its_docstring():
    migrations = sorted(VERSIONS.glob("*.py"))
    assert len(migrations) >= 13
    assert [path.name for path in migrations if unsaid_losses(path.read_text())] == []


@pytest.mark.parametrize(
    ("body", "unsaid"),
    [
        ("    op.drop_table('x')", True),
        ("    with op.batch_alter_table('x') as batch:\n        batch.drop_column('y')", True),
        ('    op.execute("DELETE FROM x WHERE y")', True),
        ('    """Lossy downgrade: x is dropped."""\n    op.drop_table(\'x\')', False),
        ("    op.drop_index('ix_x')", False),
    ],
)
def test_a_loss_is_found_in_the_downgrade_source(body, unsaid):
    source = f"def upgrade():\n    op.create_table('x')\n\n\ndef downgrade():\n{body}\n"
    assert unsaid_losses(source) is unsaid
