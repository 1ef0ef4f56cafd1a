"""Who is calling: session login for pages, bearer tokens for the API; access decorators."""

from functools import wraps

from flask import abort
from flask import request
from flask_login import current_user

from .extensions import db
from .extensions import login_manager
from .models import User


def init_security(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    @login_manager.request_loader
    def load_user_from_token(req):
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        from .services.users import user_for_token

        return user_for_token(header[len("Bearer ") :].strip())


def role_required(*roles: str):
    """Refuse (403) unless the logged-in user holds one of the roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def is_api_request() -> bool:
    return request.path.startswith("/api/")
