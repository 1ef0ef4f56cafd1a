"""Forms generated from a user task's `camunda:formData` fields.

The engine hands over `FormFieldSpec`-like objects (attributes id, label, type, default,
required, readonly, min, max, minlength, maxlength, options); this module only reads those
attributes and never imports the engine.
"""

import datetime as dt
import functools
import re
from typing import NamedTuple

from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from .common import SHORT_TEXT
from .common import TaskForm
from .common import select_choices
from .common import strip_text

FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_EXPRESSION = re.compile(r"\$\{.*\}")


class _Spec(NamedTuple):
    """A hashable copy of one FormFieldSpec: the cache key of generated classes."""

    id: str
    label: str
    type: str
    default: str | None
    required: bool
    readonly: bool
    min: float | None
    max: float | None
    minlength: int | None
    maxlength: int | None
    options: tuple[tuple[str, str], ...]


def build_form_class(fields) -> type[TaskForm]:
    """A TaskForm subclass with one field per spec, in order. Cached per tuple of specs.

    Raises ValueError for an unknown type, a duplicate id or an id that would shadow a form
    attribute (`data`, `validate`, ...).
    """
    return _build(tuple(_spec_of(field) for field in fields))


@functools.lru_cache(maxsize=256)
def _build(specs: tuple[_Spec, ...]) -> type[TaskForm]:
    attributes = {}
    for spec in specs:
        _check_name(spec.id, attributes)
        attributes[spec.id] = _make_field(spec)
    return type("GeneratedTaskForm", (TaskForm,), attributes)


def _spec_of(field) -> _Spec:
    def number(value):
        return None if value is None else float(value)

    def count(value):
        return None if value is None else int(value)

    field_id = str(field.id)
    return _Spec(
        id=field_id,
        label=str(getattr(field, "label", None) or field_id.replace("_", " ").capitalize()),
        type=str(getattr(field, "type", None) or "string"),
        default=None if getattr(field, "default", None) is None else str(field.default),
        required=bool(getattr(field, "required", False)),
        readonly=bool(getattr(field, "readonly", False)),
        min=number(getattr(field, "min", None)),
        max=number(getattr(field, "max", None)),
        minlength=count(getattr(field, "minlength", None)),
        maxlength=count(getattr(field, "maxlength", None)),
        options=tuple((str(value), str(label)) for value, label in getattr(field, "options", ())),
    )


def _check_name(name: str, seen: dict) -> None:
    if not name:
        raise ValueError("form field without an id")
    if name in seen:
        raise ValueError(f"form field id {name!r} appears twice")
    reserved = (
        name.startswith(("_", "validate_", "filter_"))
        or name == "csrf_token"
        or hasattr(TaskForm, name)
    )
    if reserved:
        raise ValueError(f"form field id {name!r} is reserved by the form machinery: rename it")


def _make_field(spec: _Spec):
    if spec.type not in FIELD_TYPES:
        raise ValueError(f"form field {spec.id!r} has unsupported type {spec.type!r}")
    kwargs = {"label": spec.label}
    default = _parse_default(spec)
    if default is not None:
        kwargs["default"] = default
    if spec.readonly:
        # Shown, never taken from the request, never written back (see TaskForm).
        flag = {"disabled": True} if spec.type in ("boolean", "enum") else {}
        return _FIELD_BUILDERS[spec.type](
            spec, validators=[Optional()], render_kw={"readonly": True, **flag}, **kwargs
        )
    return _FIELD_BUILDERS[spec.type](spec, validators=_validators(spec), **kwargs)


def _validators(spec: _Spec) -> list:
    if not spec.required:
        first = Optional()
    elif spec.type == "boolean":
        first = DataRequired(message="Tick this box to continue.")
    elif spec.type == "string":
        first = DataRequired()  # whitespace alone is not an answer
    else:
        first = InputRequired()  # 0 is a valid number
    rest = []
    if spec.type == "string" and (spec.minlength is not None or spec.maxlength is not None):
        rest.append(
            Length(
                min=-1 if spec.minlength is None else spec.minlength,
                max=-1 if spec.maxlength is None else spec.maxlength,
            )
        )
    if spec.type == "long" and (spec.min is not None or spec.max is not None):
        rest.append(NumberRange(min=_tidy(spec.min), max=_tidy(spec.max)))
    return [first, *rest]


def _tidy(number):
    return int(number) if number is not None and float(number).is_integer() else number


def _string(spec, **kwargs):
    if spec.maxlength is None:
        kwargs["validators"] = [*kwargs["validators"], Length(max=SHORT_TEXT * 5)]
    return StringField(filters=[strip_text], **kwargs)


def _enum(spec, **kwargs):
    # The blank first option matches None, so an optional enum may stay unset.
    return SelectField(
        choices=select_choices([("", "Select…"), *spec.options]),
        coerce=lambda value: value or None,
        **kwargs,
    )


_FIELD_BUILDERS = {
    "string": _string,
    "long": lambda spec, **kwargs: IntegerField(**kwargs),
    "boolean": lambda spec, **kwargs: BooleanField(**kwargs),
    "date": lambda spec, **kwargs: DateField(**kwargs),
    "enum": _enum,
}


def _parse_default(spec: _Spec):
    """The default as a value of the field's type; None when absent or unusable."""
    raw = spec.default
    if raw is None or _EXPRESSION.search(raw):
        return None
    text = raw.strip()
    if spec.type == "string":
        return raw
    if spec.type == "long":
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    if spec.type == "boolean":
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else None
    if spec.type == "date":
        return _parse_date(text)
    return text if text in {value for value, _ in spec.options} else None


def _parse_date(text: str):
    """ISO dates (2025-03-31, also with a time part) or Camunda's dd/MM/yyyy."""
    for parse in (
        dt.date.fromisoformat,
        lambda value: dt.datetime.fromisoformat(value).date(),
        lambda value: dt.datetime.strptime(value, "%d/%m/%Y").date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    return None
