"""Task forms: which WTForms class completes a BPMN user task, and the JSON API's view of it.

A user task names its form with `camunda:formKey`. A key registered in FORM_REGISTRY wins;
otherwise the task's `camunda:formData` fields generate a form (`build_form_class`).
"""

import datetime as dt
from decimal import Decimal

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField
from wtforms import DateField
from wtforms import DateTimeField
from wtforms import DecimalField
from wtforms import FieldList
from wtforms import FloatField
from wtforms import FormField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import TextAreaField
from wtforms import URLField

from .benefits import BenefitsReviewForm
from .closure import ClosureRecordForm
from .closure import LessonsLearnedForm
from .common import AtLeastOne
from .common import EmptyForm
from .common import TaskForm
from .common import is_data_field
from .common import is_readonly
from .common import to_json_value
from .gates import GateDecisionForm
from .gates import GateReadinessForm
from .gates import GateScoreForm
from .gates import GateSubmissionForm
from .gates import RecycleEscalationForm
from .gates import ResumeGateForm
from .generated import build_form_class
from .initiation import ProjectCharterForm
from .initiation import ProjectPlanForm

__all__ = [
    "FORM_REGISTRY",
    "EmptyForm",
    "TaskForm",
    "UnknownFormKey",
    "as_formdata",
    "build_form_class",
    "field_schema",
    "form_for",
    "load_form",
]

FORM_REGISTRY: dict[str, type[TaskForm]] = {
    "project_charter": ProjectCharterForm,
    "project_plan": ProjectPlanForm,
    "gate_submission": GateSubmissionForm,
    "gate_readiness": GateReadinessForm,
    "gate_score": GateScoreForm,
    "gate_decision": GateDecisionForm,
    "resume_gate": ResumeGateForm,
    "recycle_escalation": RecycleEscalationForm,
    "lessons_learned": LessonsLearnedForm,
    "closure_record": ClosureRecordForm,
    "benefits_review": BenefitsReviewForm,
}


class UnknownFormKey(LookupError):
    """No registered form for the key, and no form fields to generate one from."""

    def __init__(self, form_key: str | None):
        self.form_key = form_key
        super().__init__(
            f"no form is registered for formKey {form_key!r} and the task has no "
            "camunda:formData fields to generate one from"
        )


def form_for(form_key: str | None, fields=()) -> type[TaskForm]:
    """The form class for a user task: registered key first, then generated from its fields."""
    if form_key and form_key in FORM_REGISTRY:
        return FORM_REGISTRY[form_key]
    if fields:
        return build_form_class(fields)
    raise UnknownFormKey(form_key)


def load_form(form_cls: type[TaskForm], payload: dict, obj_data: dict | None = None) -> TaskForm:
    """A form filled from a JSON object, as the JSON API receives it; CSRF is off.

    JSON types are accepted (true/false for checkboxes, numbers for numeric fields, lists for
    multi-selects) and nested lists of objects become WTForms' flat names
    (`conditions: [{"description": ...}]` → `conditions-0-description`). A false or missing
    boolean is unticked, as with an HTML checkbox. `obj_data` (e.g. the task's current data)
    fills the keys the payload leaves out; leave it out when a submission must be complete.
    Call `validate()` on the result. Needs an application context, as every FlaskForm does.
    """
    if not isinstance(payload, dict):
        raise TypeError("the payload must be a JSON object")
    pairs: list[tuple[str, str]] = []
    for key, value in (obj_data or {}).items():
        if key not in payload:
            fallback: list[tuple[str, str]] = []
            try:
                _flatten(str(key), value, fallback)
            except TypeError:
                continue  # not a form value; the form would ignore it anyway
            pairs.extend(fallback)
    for key, value in payload.items():
        _flatten(str(key), value, pairs)
    return form_cls(formdata=MultiDict(pairs), meta={"csrf": False})


def as_formdata(name: str, value) -> list[tuple[str, str]]:
    """A value as the (name, text) pairs a browser would post for it; TypeError if it cannot be
    a form value. Used by load_form and by the task page's prefill, so both parse alike."""
    pairs: list[tuple[str, str]] = []
    _flatten(name, value, pairs)
    return pairs


def _flatten(name: str, value, pairs: list) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{name}-{key}", item, pairs)
    elif isinstance(value, list | tuple):
        if any(isinstance(item, dict | list | tuple) for item in value):
            for index, item in enumerate(value):
                _flatten(f"{name}-{index}", item, pairs)
        else:
            pairs.extend((name, _scalar(item)) for item in value if item is not None)
    else:
        pairs.append((name, _scalar(value)))


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 is a fine integer
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    raise TypeError(f"unsupported value in form payload: {type(value).__name__}")


# Checked in order: subclasses before their bases.
_SCHEMA_TYPES = [
    (BooleanField, "boolean"),
    (SelectMultipleField, "multiselect"),
    (RadioField, "select"),
    (SelectField, "select"),
    (IntegerField, "integer"),
    (DecimalField, "decimal"),
    (FloatField, "number"),
    (DateField, "date"),
    (DateTimeField, "datetime"),
    (TextAreaField, "text"),
    (URLField, "url"),
    (FieldList, "list"),
    (FormField, "group"),
]


def field_schema(form) -> list[dict]:
    """Describe a form's data fields for API clients, in display order.

    Each entry has name, label, type (string, text, url, integer, decimal, number, boolean,
    date, datetime, select, multiselect, list, group), required, readonly, description,
    choices (list of {value, label} or None) and value (JSON); `min`, `max`, `minlength` and
    `maxlength` appear when set. A list (e.g. gate conditions) describes one entry's fields
    under `fields`.
    """
    return [_describe(field) for field in form if is_data_field(field)]


def _describe(field) -> dict:
    kind = next((name for cls, name in _SCHEMA_TYPES if isinstance(field, cls)), "string")
    required = bool(field.flags.required) or any(
        isinstance(validator, AtLeastOne) for validator in field.validators
    )
    entry = {
        "name": field.short_name,
        "label": field.label.text,
        "type": kind,
        "required": required,
        "readonly": is_readonly(field),
        "description": str(field.description or ""),
        "choices": _choices(field) if kind in ("select", "multiselect") else None,
        "value": to_json_value(field.data),
    }
    for flag in ("min", "max", "minlength", "maxlength"):
        if getattr(field.flags, flag, None) is not None:
            entry[flag] = to_json_value(getattr(field.flags, flag))
    if kind == "list":
        entry["fields"] = _entry_schema(field)
    elif kind == "group":
        entry["fields"] = [_describe(sub) for sub in field.form]
    return entry


def _choices(field) -> list[dict]:
    result = []
    for choice in field.iter_choices():
        value, label = choice[0], choice[1]
        if value != "":  # the "Select…" placeholder is for browsers only
            result.append({"value": value, "label": str(label)})
    return result


def _entry_schema(field_list) -> list[dict]:
    """The fields of one entry of a FieldList, from a throwaway entry (lists may be empty)."""
    entry = field_list.unbound_field.bind(
        form=None,
        name=f"{field_list.short_name}-0",
        prefix="",
        _meta=field_list.meta,
        translations=field_list._translations,
    )
    entry.process(None)
    if isinstance(entry, FormField):
        return [_describe(sub) for sub in entry.form]
    return [_describe(entry)]
