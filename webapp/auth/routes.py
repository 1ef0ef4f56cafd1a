"""Sign in, sign out, and the API tokens page."""

from urllib.parse import urlsplit

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from forms import EmptyForm

from ..services import users
from ..view_helpers import actor
from . import bp
from .forms import LoginForm
from .forms import TokenForm
from .limits import address_limit
from .limits import login_limit

BAD_CREDENTIALS = "Unknown username or wrong password."
INACTIVE = "This account is deactivated. Ask an administrator to reactivate it."


@bp.route("/login", methods=["GET", "POST"])
@login_limit
@address_limit
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    user = users.authenticate(form.username.data, form.password.data)
    if user is None or not user.active:
        # 401/403 are what the limiter counts as failed attempts (limits.REFUSED).
        form.form_errors.append(BAD_CREDENTIALS if user is None else INACTIVE)
        return render_template("auth/login.html", form=form), 401 if user is None else 403
    session.clear()  # no session fixation: a new session for the new identity
    session.permanent = True  # SESSION_MINUTES idle timeout
    login_user(user)
    flash(f"Welcome, {user.display_name}.", "success")
    return redirect(_local_path(request.args.get("next")) or url_for("inbox.index"))


@bp.post("/logout")
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        new_token = users.issue_token(current_user.username, form.name.data.strip())
        form = TokenForm(formdata=None)
    status = 422 if form.errors else 201 if new_token else 200
    response = render_template(
        "auth/tokens.html", form=form, new_token=new_token, tokens=users.list_tokens(current_user)
    )
    return response, status, {"Cache-Control": "no-store"}  # the new token shows once


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if EmptyForm().validate_on_submit():
        row = users.revoke_token(token_id, actor())
        flash(f"Token {row.name!r} revoked: it no longer opens the API.", "success")
    return redirect(url_for("auth.tokens"))


def _local_path(target: str | None) -> str | None:
    """`next` only ever leads back into this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\" in target:
        return None
    return None if target.startswith("//") else target
