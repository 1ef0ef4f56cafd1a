"""Tollgate: BPMN stage-gate workflows for project management offices."""

import os
import secrets
from datetime import timedelta

from flask import Flask
from werkzeug.routing import IntegerConverter


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object("webapp.config")
    app.config.from_prefixed_env("TOLLGATE")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(os.environ["DATABASE_URL"])
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "tollgate.sqlite")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SECRET_KEY"] == "change-me" and not app.config.get("TESTING"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)
    app.permanent_session_lifetime = timedelta(minutes=int(app.config["SESSION_MINUTES"]))

    app.url_map.converters["int"] = _DatabaseInt
    _configure_extensions(app)
    _configure_blueprints(app)
    from . import cli

    cli.register(app)
    if app.config["GC_FREEZE"]:
        _freeze_long_lived_objects(app)
    return app


def _freeze_long_lived_objects(app: Flask) -> None:
    """gc.freeze() now, and again after each process bundle is parsed (specs are immutable
    and live as long as the process). Frozen objects are still freed by reference counting."""
    import gc

    from .engine import specs

    specs.on_parsed = gc.freeze
    gc.freeze()


def _instance_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder: never a known default signing sessions."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    with open(path) as handle:
        return handle.read().strip()


class _DatabaseInt(IntegerConverter):
    """`<int:...>` ids beyond a 64-bit column match no route (404) instead of overflowing."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(url_map, *args, **kwargs)


def _normalise_db_url(url: str) -> str:
    # Heroku-style URLs and plain postgresql:// both mean psycopg 3 here.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _configure_extensions(app: Flask) -> None:
    from . import models  # noqa: F401 - register every table with the metadata
    from .extensions import csrf
    from .extensions import db
    from .extensions import login_manager
    from .extensions import migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=app.config["MIGRATIONS_DIR"])
    csrf.init_app(app)
    login_manager.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            _sqlite_pragmas(db.engine)


def _sqlite_pragmas(engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: no corruption on a crash, no fsync per commit (the last commits may be
        # lost on power failure). PostgreSQL is the choice where that matters.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _configure_blueprints(app: Flask) -> None:
    from . import admin
    from . import api
    from . import assets
    from . import auth
    from . import inbox
    from . import projects
    from .errors import register_error_handlers
    from .extensions import csrf
    from .security import init_security

    init_security(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(projects.bp, url_prefix="/projects")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(api.bp)
    app.register_blueprint(assets.bp)  # npm front-end assets
    csrf.exempt(api.bp)  # bearer tokens, not cookies: no CSRF to defend against
    register_error_handlers(app)
