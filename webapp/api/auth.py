"""Bearer-token authentication for the JSON API.

The API accepts `Authorization: Bearer <token>` only: a browser session cookie is not enough,
and when both are sent the token decides who is calling. Only the OpenAPI description is
public. The caller is kept in `g.api_user`; views read it through `caller()`.
"""

from flask import g
from flask import request

from ..errors import error_response
from ..models import User
from ..services.users import user_for_token

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})
REALM = 'Bearer realm="tollgate"'


def require_token():
    """Blueprint before_request hook: a 401 JSON answer unless a valid token is sent."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("Send an API token: Authorization: Bearer <token>.", REALM)
    user = user_for_token(token)
    if user is None:
        return _unauthorized(
            "The API token is unknown, revoked or belongs to an inactive user.",
            f'{REALM}, error="invalid_token"',
        )
    g.api_user = user
    return None


def caller() -> User:
    return g.api_user


def _unauthorized(message: str, challenge: str):
    response, status = error_response(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = challenge
    return response, status
