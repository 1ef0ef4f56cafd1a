"""Put a service's ValidationFailed reasons back onto the WTForms fields they name.

flaskbb's `form.populate_errors`: the service knows the rule (unknown owner, code taken), the
form shows the message next to the field. Names may be nested WTForms names such as
`conditions-0-owner`; a name that matches no field becomes a form-level error.
"""

import re

from wtforms import FieldList
from wtforms import FormField

_LIST_ITEM = re.compile(r"^(?P<list>[A-Za-z_]\w*)-(?P<index>\d+)-(?P<rest>.+)$")


def populate_errors(form, reasons) -> None:
    fields = dict(_walk(form))
    for name, message in reasons:
        field = fields.get(_entry_name(form, name) or name) or fields.get(name)
        if field is None:
            form.form_errors.append(f"{name}: {message}" if name else message)
        elif isinstance(field, FormField):  # its errors are its subform's: show them on top
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]


def _walk(form):
    for field in form:
        yield field.name, field
        if isinstance(field, FieldList):
            for entry in field:
                yield entry.name, entry
                if isinstance(entry, FormField):
                    yield from _walk(entry.form)
        elif isinstance(field, FormField):
            yield from _walk(field.form)


def _entry_name(form, name: str) -> str | None:
    """Services count only the filled rows of a list (blank rows are dropped before they see
    it); map their index back to the row the user typed into."""
    match = _LIST_ITEM.match(name)
    filled_rows = getattr(form, f"filled_{match['list']}", None) if match else None
    if filled_rows is None:
        return None
    rows = filled_rows()
    index = int(match["index"])
    if index >= len(rows):
        return None
    return f"{rows[index]._prefix}{match['rest']}"
