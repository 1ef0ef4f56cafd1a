"""User administration forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import AnyOf
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp

from forms.common import MultiCheckboxField
from forms.common import select_choices

from ..roles import ROLES


def _roles_field():
    return MultiCheckboxField(
        "Roles",
        choices=select_choices(ROLES.items()),
        description="What the person does in Tollgate; several are fine.",
    )


class AddUserForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocapitalize": "none", "autocomplete": "off"},
        description="Letters, digits, '.', '-' or '_'. Cannot be changed later.",
    )
    display_name = StringField("Display name", validators=[DataRequired(), Length(max=120)])
    # A plausibility check only (no email_validator dependency): mail is not sent from here.
    email = EmailField(
        "Email",
        validators=[
            Optional(),
            Length(max=200),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an email address."),
        ],
    )
    password = PasswordField(
        "Initial password",
        validators=[Optional(), Length(min=8, max=200)],
        render_kw={"autocomplete": "new-password"},
        description="Leave empty for an account that only uses API tokens.",
    )
    roles = _roles_field()
    submit = SubmitField("Add user")


class RolesForm(FlaskForm):
    roles = _roles_field()
    submit = SubmitField("Save roles")


class ActiveForm(FlaskForm):
    """The activate / deactivate button: `active` is "1" or "0"."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
