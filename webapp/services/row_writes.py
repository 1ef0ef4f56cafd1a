"""Write a request's rows as single Core statements, keeping the loaded objects in step.

A completion touches five or six tables. Through the ORM's unit of work each flush costs about a
millisecond of Python on top of the SQL (dependency sorting, history, per-mapper bookkeeping),
which made our database work cost more than the engine step itself. Here each change is one
compiled-and-cached Core statement in the session's transaction; the objects the request holds
get the written values as their committed state, so nothing is left dirty for a flush and later
reads in the same session see what was written.

Versioned rows (a mapper with `version_id_col`) keep the ORM's contract: the UPDATE matches the
version the object was loaded with, bumps it, and raises StaleDataError when another
transaction got there first, exactly as a flush would.

What the ORM would otherwise do for us, done here: pending ORM changes are flushed before each
statement (as autoflush would); a rollback expires every loaded object, as always, and also
drops the objects made for rows it un-inserted. Savepoints are refused: rolling one back would
not undo the committed state given to the objects.
"""

from functools import cache

from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db


def core_connection():
    """The session's connection for Core statements, once pending ORM changes are flushed."""
    session = db.session()
    if session.in_nested_transaction():
        raise RuntimeError("Core row writes do not support savepoints (begin_nested)")
    session.flush()  # a no-op on a clean session
    return session.connection()


def update_row(obj, **values) -> None:
    """UPDATE the object's row with `values` (attribute names == column names here)."""
    mapper = inspect(obj).mapper
    table = mapper.local_table
    key = mapper.primary_key[0]
    version = mapper.version_id_col
    params = {f"v_{name}": value for name, value in values.items()}
    params["k_id"] = getattr(obj, key.key)
    if version is not None:
        params["k_version"] = loaded = getattr(obj, version.key)
        values[version.key] = params[f"v_{version.key}"] = loaded + 1
    statement = _update_statement(table, key, version, tuple(values))
    if core_connection().execute(statement, params).rowcount != 1:
        raise StaleDataError(
            f"{table.name} {params['k_id']} was changed or removed by another transaction"
        )
    for name, value in values.items():
        set_committed_value(obj, name, value)
    # A changed foreign key leaves its relationship pointing at the old row: reload on access.
    stale = _relationships_of(mapper, tuple(values))
    if stale:
        db.session.expire(obj, stale)


def insert_row(model, **values) -> int:
    """INSERT one row and return its id. Give every column a value: Python-side column
    defaults run in SQL, but the object built from `values` would not know them."""
    statement = _insert_returning_id(model.__table__, tuple(values))
    return core_connection().execute(statement, values).scalar_one()


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT many rows (with the same keys) in one executemany; ids are not returned."""
    if rows:
        core_connection().execute(_insert(model.__table__), rows)


def loaded_instance(model, **values):
    """An object for a row just inserted with `values` (id included), attached to the session
    as if a query had loaded it: no SQL now, and unset attributes load lazily on access."""
    obj = model(**values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    db.session.info.setdefault(_INSERTED, []).append(obj)
    return obj


_INSERTED = "tollgate_inserted_objects"


@event.listens_for(Session, "after_soft_rollback")
def _drop_uninserted(session: Session, previous_transaction) -> None:
    # The ORM expunges the objects it inserted itself; these it believes were loaded.
    if previous_transaction.parent is None:
        for obj in session.info.pop(_INSERTED, ()):
            if obj in session:
                session.expunge(obj)


@event.listens_for(Session, "after_commit")
def _keep_inserted(session: Session) -> None:
    session.info.pop(_INSERTED, None)


# Statements are built once per shape: building and cache-keying a statement with its values
# inline costs more than executing it.


@cache
def _update_statement(table, key, version, names: tuple):
    statement = update(table).where(key == bindparam("k_id"))
    if version is not None:
        statement = statement.where(version == bindparam("k_version"))
    return statement.values({name: bindparam(f"v_{name}") for name in names})


@cache
def _insert_returning_id(table, names: tuple):
    return insert(table).values({n: bindparam(n) for n in names}).returning(table.c.id)


@cache
def _insert(table):
    return insert(table)


@cache
def _relationships_of(mapper, names: tuple) -> list[str]:
    columns = {mapper.local_table.c[name] for name in names if name in mapper.local_table.c}
    return [rel.key for rel in mapper.relationships if rel.local_columns & columns]
