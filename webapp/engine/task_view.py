"""What services and templates see of a workflow task: plain frozen data, never a Spiff object."""

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class FormFieldSpec:
    """One `camunda:formField` of a generated form.

    `type` is one of string, long, boolean, date, enum (Camunda 7's built-in types); `options`
    holds (value, label) pairs for enum fields. Bounds are None when the BPMN does not set them.
    """

    id: str
    label: str
    type: str
    default: str | None = None
    required: bool = False
    readonly: bool = False
    min: float | None = None
    max: float | None = None
    minlength: int | None = None
    maxlength: int | None = None
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Assignment:
    """Who may work on a task, as written in BPMN (assignee, candidate groups/users, lane).

    Values are already resolved against task data (`${variable}` references) but not yet against
    people: mapping role keys to users is the services' job.
    """

    assignee: str | None = None
    candidate_groups: tuple[str, ...] = ()
    candidate_users: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskView:
    id: str  # Spiff task UUID, stable across save/load
    name: str  # BPMN element id, e.g. decide_gate
    title: str  # BPMN element name, e.g. "Decide gate"
    lane: str | None
    form_key: str | None
    stage: str | None
    process_id: str  # the (sub)process that owns the task, e.g. gate_review
    assignment: Assignment = Assignment()
    due: str | None = None  # absolute ISO-8601 datetime (UTC), evaluated from camunda:dueDate
    gate: str | None = None  # `gate_title` in task data: which gate a gate-review task belongs to
    form_fields: tuple[FormFieldSpec, ...] = ()
    properties: dict = field(default_factory=dict, hash=False, compare=False)
    documentation: str | None = None
