"""Accounts, roles and API tokens."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ..extensions import db
from ..models import ApiToken
from ..models import User
from ..models import UserRole
from ..models.types import utcnow
from ..roles import ROLES
from ..roles import resolve_role
from .audit import record_event
from .errors import NotFound
from .errors import NotPermitted
from .errors import ValidationFailed


def add_user(
    username: str,
    roles: Iterable[str],
    *,
    display_name: str | None = None,
    email: str | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    username = (username or "").strip()
    problems = []
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        problems.append(("username", "use letters, digits, '.', '-' or '_'"))
    elif db.session.scalar(select(User.id).filter_by(username=username)):
        problems.append(("username", f"user {username!r} already exists"))
    keys, role_problems = _role_keys(roles)
    problems += role_problems
    if problems:
        raise ValidationFailed(problems)
    user = User(username=username, display_name=display_name or username, email=email)
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    user.role_rows = [UserRole(role=key) for key in keys]
    db.session.add(user)
    record_event(
        "user_added",
        f"User {username} added with roles {', '.join(keys) or 'none'}",
        actor=actor,
        details={"username": username, "roles": keys},
    )
    db.session.commit()
    return user


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).filter_by(username=username))
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    return user


def issue_token(username: str, name: str = "cli", actor: User | None = None) -> str:
    """Create an API token; only its hash is stored, so the caller must show it now."""
    user = get_user(username)
    token = "tg_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, name=name, token_hash=_hash(token)))
    record_event(
        "token_issued",
        f"API token {name!r} issued for {username}",
        actor=actor or user,
        details={"username": username, "name": name},
    )
    db.session.commit()
    return token


# The token, its user and the user's roles in one query, built once: every API call runs it.
_LIVE_TOKEN = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    .options(joinedload(ApiToken.user).joinedload(User.role_rows))
)


_tokens = ApiToken.__table__
_STAMP_TOKEN = (
    update(_tokens)
    .where(_tokens.c.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)


def user_for_token(token: str) -> User | None:
    row = db.session.scalars(_LIVE_TOKEN, {"token_hash": _hash(token)}).unique().one_or_none()
    if row is None or not row.user.active:
        return None
    now = utcnow()
    # At most once a minute ("last used" is for spotting stale tokens, not worth a write per
    # call), in a transaction of its own: a read-only request never commits, and a refused
    # change must not take the stamp back with it.
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        with db.engine.begin() as conn:
            conn.execute(_STAMP_TOKEN, {"token_id": row.id, "now": now})
        set_committed_value(row, "last_used_at", now)
    return row.user


LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- sign-in -----------------------------------------------------------------------------------


def authenticate(username: str, password: str) -> User | None:
    """The user whose password this is (active or not: the caller refuses inactive ones), or None.

    An unknown username still costs one hash check, so response times do not reveal which
    usernames exist.
    """
    user = db.session.scalar(select(User).filter_by(username=(username or "").strip()))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password or "")
        return None
    return user if user.check_password(password or "") else None


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if _DUMMY.get(method) is None:
        _DUMMY[method] = generate_password_hash(secrets.token_hex(8), method=method)
    return _DUMMY[method]


_DUMMY: dict[str, str] = {}


# --- administration (role admin) ---------------------------------------------------------------


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user_by_id(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def set_roles(user_id: int, roles: Iterable[str], actor: User | None) -> User:
    """Replace a user's roles. An administrator cannot drop their own admin role (lock-out)."""
    _require_admin(actor)
    user = get_user_by_id(user_id)
    keys, problems = _role_keys(roles)
    if actor is not None and user.id == actor.id and "admin" not in keys:
        problems.append(("roles", "you cannot remove your own administrator role"))
    if problems:
        raise ValidationFailed(problems)
    before = sorted(user.roles)
    if before == sorted(keys):
        return user
    user.role_rows = [UserRole(role=key) for key in keys]
    record_event(
        "user_roles_changed",
        f"Roles of {user.username}: {', '.join(before) or 'none'} → {', '.join(keys) or 'none'}",
        actor=actor,
        details={"username": user.username, "from": before, "to": keys},
    )
    db.session.commit()
    return user


def set_active(user_id: int, active: bool, actor: User | None) -> User:
    """Activate or deactivate an account; deactivated users cannot log in or use tokens."""
    _require_admin(actor)
    user = get_user_by_id(user_id)
    if actor is not None and user.id == actor.id and not active:
        raise ValidationFailed([("active", "you cannot deactivate your own account")])
    if user.active == bool(active):
        return user
    user.active = bool(active)
    verb = "activated" if active else "deactivated"
    record_event(
        f"user_{verb}",
        f"User {user.username} {verb}",
        actor=actor,
        details={"username": user.username},
    )
    db.session.commit()
    return user


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.has_role("admin"):
        raise NotPermitted("only administrators manage users")


def _role_keys(roles: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    keys, problems = [], []
    for role in roles:
        key = resolve_role(role)
        if key is None:
            problems.append(("roles", f"unknown role {role!r}; known: {', '.join(ROLES)}"))
        elif key not in keys:
            keys.append(key)
    return keys, problems


# --- API tokens --------------------------------------------------------------------------------


def list_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they show when and that)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .filter_by(user_id=user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(token_id: int, actor: User) -> ApiToken:
    """Revoke one of the actor's own tokens; someone else's token is not found. Idempotent."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != actor.id:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event(
            "token_revoked",
            f"API token {row.name!r} of {actor.username} revoked",
            actor=actor,
            details={"username": actor.username, "name": row.name},
        )
        db.session.commit()
    return row
