"""User administration (role admin): list, add with roles, change roles, (de)activate."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for

from ..form_errors import populate_errors
from ..security import role_required
from ..services import users as accounts
from ..services.errors import ValidationFailed
from ..view_helpers import actor
from . import bp
from .forms import ActiveForm
from .forms import AddUserForm
from .forms import RolesForm


@bp.get("/")
@bp.get("/users")
@role_required("admin")
def users():
    return _users_page(AddUserForm(formdata=None))


@bp.post("/users")
@role_required("admin")
def add_user():
    form = AddUserForm()
    try:
        if not form.validate_on_submit():
            return _users_page(form, 422)
        user = accounts.add_user(
            form.username.data,
            form.roles.data,
            actor=actor(),
            display_name=form.display_name.data.strip(),
            email=form.email.data or None,
            password=form.password.data or None,
        )
    except ValidationFailed as exc:
        populate_errors(form, exc.reasons)
        return _users_page(form, 422)
    flash(f"User {user.username} added.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_user(user_id: int):
    user = accounts.get_user_by_id(user_id)
    form = RolesForm(data={"roles": sorted(user.roles)})
    try:
        if not form.validate_on_submit():
            return _edit_page(user, form, 422 if form.errors else 200)
        accounts.set_roles(user.id, form.roles.data, actor())
    except ValidationFailed as exc:
        populate_errors(form, exc.reasons)
        return _edit_page(user, form, 422)
    flash(f"Roles of {user.username} saved.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@role_required("admin")
def set_active(user_id: int):
    form = ActiveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        user = accounts.set_active(user_id, form.active.data == "1", actor())
    except ValidationFailed as exc:
        flash(f"Not changed: {exc.reasons[0][1]}.", "danger")
    else:
        flash(f"{user.username} {'activated' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("admin.users"))


def _users_page(form, status: int = 200):
    return render_template("admin/users.html", users=accounts.list_users(), form=form), status


def _edit_page(user, form, status: int):
    return render_template("admin/user.html", user=user, form=form), status
