"""Failed-login throttling with Flask-Limiter, keyed on username + client address.

Only refused attempts count (wrong password, deactivated account): a user who types the right
password after a typo is not punished, and one user's mistakes do not lock out a colleague
behind the same NAT. Settings (with defaults, override like any other TOLLGATE_ key):
LOGIN_RATE_LIMIT ("5 per 15 minutes") and RATELIMIT_STORAGE_URI ("memory://"; use a shared
store such as redis:// when running several worker processes).
"""

from flask import current_app
from flask import request
from flask_limiter import Limiter

# Status codes the login view answers refused credentials with (see routes.login).
REFUSED = (401, 403)

limiter = Limiter(key_func=lambda: request.remote_addr or "unknown", default_limits=[])


def init_limiter(app) -> None:
    limiter.init_app(app)  # settings: LOGIN_RATE_LIMIT, RATELIMIT_* in webapp/config.py


def _login_key() -> str:
    username = (request.form.get("username") or "").strip().lower()
    return f"login:{request.remote_addr or 'unknown'}:{username}"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _message() -> str:
    return (
        "Too many failed sign-in attempts for this username from your address. "
        f"Wait a while and try again (limit: {_login_limit()})."
    )


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_RATE_LIMIT"]


# One address trying one password across many usernames (password spraying).
address_limit = limiter.limit(
    _address_limit,
    key_func=lambda: f"login-address:{request.remote_addr or 'unknown'}",
    methods=["POST"],
    deduct_when=lambda response: response.status_code in REFUSED,
    error_message="Too many failed sign-in attempts from your address. Wait a while.",
)

login_limit = limiter.limit(
    _login_limit,
    key_func=_login_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code in REFUSED,
    error_message=_message,
)
