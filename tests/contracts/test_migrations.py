"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and
step back down cleanly: a model change without its migration fails here, not in production."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from flask_migrate import upgrade
from sqlalchemy import inspect

from webapp.extensions import db


def _differences():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_matches_the_models(ctx):
    assert _differences() == []


def test_each_migration_steps_down_and_up_again(ctx):
    downgrade(revision="0001")
    assert "gate_score" not in inspect(db.engine).get_table_names()
    upgrade()
    assert _differences() == []
