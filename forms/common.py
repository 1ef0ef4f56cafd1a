"""Shared pieces of every task form: the `TaskForm` base, field helpers and choices.

Importable without an application: nothing here touches `current_app` until a form is
instantiated, and no form queries the database.
"""

import datetime as dt
import math
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DecimalField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms < 3.3 takes plain (value, label) tuples
    SelectChoice = None

GATE_DECISIONS = [
    ("go", "Go"),
    ("conditional_go", "Conditional go"),
    ("hold", "Hold"),
    ("recycle", "Recycle"),
    ("kill", "Kill"),
]

SHORT_TEXT = 200
LONG_TEXT = 10_000
MAX_AMOUNT = Decimal("1e15")  # keeps every amount exact as a JSON number (float)


class TaskForm(FlaskForm):
    """Base of every form that completes a workflow task.

    `to_data()` is what the service hands to the engine as task data. Fields rendered read-only
    (`render_kw={"readonly": True}`) show the value the form was built with, ignore whatever is
    posted for them and are left out of `to_data()`, so they never overwrite workflow data.
    """

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        for field in self._fields.values():
            if is_readonly(field):
                field.data = field.object_data
                field.raw_data = []
                field.process_errors = []

    def to_data(self) -> dict:
        """The submitted values as JSON-serializable task data."""
        return {
            name: to_json_value(field.data)
            for name, field in self._fields.items()
            if is_data_field(field)
        }


class EmptyForm(FlaskForm):
    """A CSRF-protected POST button ("Withdraw", "Claim") with no fields of its own."""

    submit = SubmitField("Submit")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; `data` is the list of ticked values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AtLeastOne:
    """Requires a non-empty selection without putting `required` on every checkbox."""

    field_flags: dict = {}

    def __init__(self, message="Select at least one."):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError(self.message)


class Amount:
    """A finite decimal amount, at least `minimum` (if given) and at most MAX_AMOUNT in size."""

    def __init__(self, minimum=None):
        self.minimum = minimum
        self.field_flags = {"min": minimum} if minimum is not None else {}

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        if not value.is_finite():
            raise ValidationError("Enter a number.")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(f"Enter an amount of {self.minimum} or more.")
        if abs(value) > MAX_AMOUNT:
            raise ValidationError("This amount is too large.")


def select_choices(pairs) -> list:
    """(value, label) pairs as WTForms choices (SelectChoice since WTForms 3.3)."""
    if SelectChoice is None:
        return [tuple(pair) for pair in pairs]
    return [SelectChoice(value, label) for value, label in pairs]


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def text_area(label, *, required=False, description="", max_length=LONG_TEXT, rows=4):
    """A multi-line text field; required means more than whitespace."""
    first = DataRequired() if required else Optional()
    return TextAreaField(
        label,
        validators=[first, Length(max=max_length)],
        filters=[strip_text],
        description=description,
        render_kw={"rows": rows},
    )


def text_field(label, *, required=False, description="", max_length=SHORT_TEXT):
    first = DataRequired() if required else Optional()
    return StringField(
        label,
        validators=[first, Length(max=max_length)],
        filters=[strip_text],
        description=description,
    )


def amount_field(label, *, required=False, minimum=0, description=""):
    """A money amount, kept as Decimal in the form and sent as a float in task data."""
    first = InputRequired() if required else Optional()
    return DecimalField(
        label, validators=[first, Amount(minimum)], places=2, description=description
    )


def choice_field(label, choices, *, description="", placeholder="Select…"):
    """A required select that starts blank, so nobody submits the first option by accident."""
    return SelectField(
        label,
        choices=select_choices([("", placeholder), *choices]),
        validators=[InputRequired(message="Choose one of the options.")],
        description=description,
    )


def must_be_checked(label, *, description=""):
    return BooleanField(label, validators=[DataRequired()], description=description)


def is_readonly(field) -> bool:
    render_kw = field.render_kw or {}
    return bool(render_kw.get("readonly") or render_kw.get("disabled"))


def is_data_field(field) -> bool:
    """Whether a field's value belongs in task data (not CSRF, buttons or read-only fields)."""
    if isinstance(field, CSRFTokenField | SubmitField):
        return False
    return not is_readonly(field)


def to_json_value(value):
    """Form data → JSON types: dates as ISO strings, Decimal as float, lists and dicts deep."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    raise TypeError(f"cannot store a {type(value).__name__} in task data")
