"""Fixtures: a real database per test (a SQLite file, or the PostgreSQL named by
TOLLGATE_TEST_DATABASE_URL), migrated with Alembic exactly as production is."""

import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from webapp import create_app
from webapp.extensions import db

PG_URL = os.environ.get("TOLLGATE_TEST_DATABASE_URL")


def _config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": uri,
        "WORKER_POLL_SECONDS": 0.1,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "GC_FREEZE": False,  # thousands of short-lived apps: let the collector have them
    }


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory):
    """Run the migrations once per session; each test then starts from a copy (or truncation)."""
    if PG_URL:
        app = create_app(_config(PG_URL))
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
            db.engine.dispose()
        return None
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def database_uri(tmp_path, _migrated_template):
    if PG_URL:
        _truncate_all(PG_URL)
        return PG_URL
    path = tmp_path / "test.sqlite"
    shutil.copy(_migrated_template, path)
    return f"sqlite:///{path}"


def _truncate_all(url):
    app = create_app(_config(url))
    with app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def app(database_uri):
    app = create_app(_config(database_uri))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context, for service tests that call use cases directly."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


@pytest.fixture
def people(ctx):
    from .factories import make_people

    return make_people()


@pytest.fixture
def library(ctx):
    from .factories import deploy_library

    return deploy_library()


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir():
    """pytest-playwright wipes test-results/ at the start of every run, including runs without
    a browser; keep the browser screenshots of the last browser run instead."""
