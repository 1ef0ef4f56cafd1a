"""Fill a task form from workflow data, each value parsed exactly as if the user had typed it."""

from werkzeug.datastructures import MultiDict
from wtforms import SubmitField
from wtforms.csrf.core import CSRFTokenField

CONDITION_ROWS = 3  # empty condition rows offered on a gate decision


def prefill_form(form, data: dict):
    """Give each field whose name is a workflow variable that variable's value.

    Fields are processed as form input (dates from ISO strings, lists into FieldList entries),
    read-only ones included: they show workflow values but are never posted back.
    """
    for name, value in data.items():
        field = form._fields.get(name)
        if field is None or isinstance(field, CSRFTokenField | SubmitField):
            continue
        pairs: list[tuple[str, str]] = []
        _pairs(field.name, value, pairs)
        if pairs:
            field.process(MultiDict(pairs))
    return form


def pad_entries(form, name: str = "conditions", rows: int = CONDITION_ROWS):
    """At least `rows` entries in a FieldList (blank rows are ignored by the form)."""
    field = form._fields.get(name)
    if field is not None:
        while len(field.entries) < rows:
            field.append_entry()
    return form


def _pairs(name: str, value, out: list) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _pairs(f"{name}-{key}", item, out)
    elif isinstance(value, list | tuple):
        if any(isinstance(item, dict | list | tuple) for item in value):
            for index, item in enumerate(value):
                _pairs(f"{name}-{index}", item, out)
        else:
            out.extend((name, _text(item)) for item in value if item is not None)
    else:
        out.append((name, _text(value)))


def _text(value) -> str:
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
