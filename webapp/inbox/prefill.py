"""Fill a task form from workflow data, each value parsed exactly as if the user had typed it."""

from werkzeug.datastructures import MultiDict
from wtforms import SubmitField
from wtforms.csrf.core import CSRFTokenField

from forms import as_formdata

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
        try:
            pairs = as_formdata(field.name, value)
        except TypeError:
            continue  # not something a form field can hold
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
