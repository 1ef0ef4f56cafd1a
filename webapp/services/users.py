"""Accounts, roles and API tokens."""

import hashlib
import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken
from ..models import User
from ..models import UserRole
from ..models.types import utcnow
from ..roles import ROLES
from ..roles import resolve_role
from .audit import record_event
from .errors import NotFound
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
    keys = []
    for role in roles:
        key = resolve_role(role)
        if key is None:
            problems.append(("roles", f"unknown role {role!r}; known: {', '.join(ROLES)}"))
        elif key not in keys:
            keys.append(key)
    if problems:
        raise ValidationFailed(problems)
    user = User(username=username, display_name=display_name or username, email=email)
    user.set_password(password, method=current_app.config["PASSWORD_HASH_METHOD"])
    user.role_rows = [UserRole(role=key) for key in keys]
    db.session.add(user)
    record_event("user_added", f"User {username} added with roles {', '.join(keys) or 'none'}",
                 actor=actor, details={"username": username, "roles": keys})
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
    record_event("token_issued", f"API token {name!r} issued for {username}", actor=actor or user,
                 details={"username": username, "name": name})
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).filter_by(token_hash=_hash(token), revoked_at=None))
    if row is None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    return row.user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
