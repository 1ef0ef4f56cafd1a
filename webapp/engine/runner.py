"""Run workflows: start, advance, complete a human task, fire timers, inspect.

Everything SpiffWorkflow raises is turned into EngineError here, keeping the task name and line.
"""

import re
from datetime import UTC
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import IntermediateThrowEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from .errors import EngineError
from .errors import TaskNotReady
from .errors import TreeTooDeep
from .parser import extension_key
from .scripting import make_script_engine
from .task_view import Assignment
from .task_view import FormFieldSpec
from .task_view import TaskView

# SpiffWorkflow's TaskIterator stops at depth 1000; tasks below it silently disappear.
MAX_TREE_DEPTH = 900
_VARIABLE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


def start(spec, subprocess_specs, data: dict | None = None, script_timeout: float = 1.0):
    workflow = BpmnWorkflow(
        spec, subprocess_specs, script_engine=make_script_engine(script_timeout)
    )
    # Scripts and conditions see task data, not wf.data: seed the root task.
    workflow.task_tree.data.update(data or {})
    advance(workflow)
    return workflow


def advance(workflow: BpmnWorkflow) -> None:
    """Run automatic steps until only human tasks and waiting events remain."""
    with _engine_errors():
        workflow.do_engine_steps()


def complete(workflow: BpmnWorkflow, task_id: str, data: dict) -> None:
    task = _ready_human_task(workflow, task_id)
    with _engine_errors(task):
        task.set_data(**data)
        task.run()
    advance(workflow)


def fire_due_timers(workflow: BpmnWorkflow) -> list[str]:
    """Fire what is due now; return the names of the timer events that fired."""
    before = {_timer_key(e) for e in _timers(workflow)}
    with _engine_errors():
        workflow.refresh_timers()
        workflow.do_engine_steps()
    after = {_timer_key(e) for e in _timers(workflow)}
    return sorted(name for name, _ in before - after)


def ready_tasks(workflow: BpmnWorkflow) -> list[TaskView]:
    stage = current_stage(workflow)
    return [_view(task, stage) for task in _ready_human_tasks(workflow)]


def ready_task_ids(workflow: BpmnWorkflow) -> list[str]:
    """Ids of the human tasks waiting now: cheap, for syncing the inbox."""
    return [str(t.id) for t in _ready_human_tasks(workflow)]


def _all_tasks(workflow: BpmnWorkflow):
    """Every task of the workflow and its subprocesses, in creation order.

    Plain dict iteration: SpiffWorkflow's get_tasks() walks the tree with a depth-tracking
    iterator that costs several times more, and these scans run on every save."""
    yield from workflow.tasks.values()
    for subprocess in workflow.subprocesses.values():
        yield from subprocess.tasks.values()


def _ready_human_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return [t for t in _all_tasks(workflow) if t.state == TaskState.READY and t.task_spec.manual]


def view_task(workflow: BpmnWorkflow, task_id: str, stage: str | None) -> TaskView:
    """The full view (assignment, due date, form) of one ready task, for a new inbox row."""
    return _view(_ready_human_task(workflow, task_id), stage)


def task_data(workflow: BpmnWorkflow, task_id: str) -> dict:
    return dict(_ready_human_task(workflow, task_id).data)


def current_stage(workflow: BpmnWorkflow) -> str | None:
    """Name of the last milestone the token passed (a named throw event with no definition)."""
    latest, stage = -1.0, None
    for task in _all_tasks(workflow):
        spec = task.task_spec
        if task.state != TaskState.COMPLETED or not isinstance(spec, IntermediateThrowEvent):
            continue
        if spec.bpmn_name and isinstance(spec.event_definition, NoneEventDefinition):
            if task.last_state_change >= latest:
                latest, stage = task.last_state_change, spec.bpmn_name
    return stage


def element_states(workflow: BpmnWorkflow) -> tuple[set[str], set[str]]:
    """BPMN ids of the top-level process's completed and active (ready/waiting/started) elements,
    for highlighting an instance diagram."""
    completed, active = set(), set()
    for task in workflow.tasks.values():
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        if task.state == TaskState.COMPLETED:
            completed.add(bpmn_id)
        elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED):
            active.add(bpmn_id)
    return completed, active


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    due = [when for _, when in (_timer_key(e) for e in _timers(workflow)) if when is not None]
    return min(due) if due else None


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def ensure_bounded(workflow: BpmnWorkflow, limit: int | None = None) -> None:
    limit = limit or MAX_TREE_DEPTH
    if task_count(workflow) <= limit:  # a tree is never deeper than it has tasks: no walk needed
        return
    depth = tree_depth(workflow)
    if depth > limit:
        raise TreeTooDeep(
            f"the workflow's task tree is {depth} levels deep (limit {limit}); SpiffWorkflow "
            "loses tasks past 1000. Move the recurring loop into its own instance."
        )


def task_count(workflow: BpmnWorkflow) -> int:
    """Tasks in the workflow and all its subprocesses."""
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


def tree_depth(workflow: BpmnWorkflow) -> int:
    """Depth as SpiffWorkflow's iterator counts it: subprocess trees continue their parent's."""
    deepest = 0
    stack = [(workflow.task_tree, 0)]
    while stack:
        task, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in task.children)
        subprocess = workflow.subprocesses.get(task.id)
        if subprocess is not None:
            stack.append((subprocess.task_tree, depth + 1))
    return deepest


def _ready_human_task(workflow: BpmnWorkflow, task_id: str) -> SpiffTask:
    try:
        task = workflow.get_task_from_id(UUID(str(task_id)))
    except (ValueError, TypeError):
        task = None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotReady(f"task {task_id} is not waiting for a person")
    return task


def _view(task: SpiffTask, stage: str | None) -> TaskView:
    spec = task.task_spec
    extensions = dict(getattr(spec, "extensions", {}) or {})
    form = getattr(spec, "form", None)
    return TaskView(
        id=str(task.id),
        name=spec.bpmn_id,
        title=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        form_key=getattr(form, "key", None) or None,
        stage=stage,
        process_id=task.workflow.spec.name,
        assignment=_assignment(task, extensions),
        due=_due(task, extensions.get(extension_key("dueDate"))),
        gate=_gate_of(task),
        form_fields=tuple(_field(f) for f in getattr(form, "fields", []) or []),
        properties={k: v for k, v in extensions.items() if not k.startswith("camunda:")},
        documentation=spec.documentation,
    )


def _gate_of(task: SpiffTask) -> str | None:
    """The gate a task belongs to: `gate_title` of the called gate review. The variable stays in
    the lifecycle's data after the gate, so tasks of the top-level process have none."""
    if task.workflow is task.workflow.top_workflow:
        return None
    return task.data.get("gate_title")


def _assignment(task: SpiffTask, extensions: dict) -> Assignment:
    def values(attribute):
        raw = extensions.get(extension_key(attribute)) or ""
        resolved = []
        for item in (part.strip() for part in raw.split(",")):
            match = _VARIABLE.match(item)
            value = task.data.get(match.group(1)) if match else item
            if isinstance(value, (list, tuple)):
                resolved.extend(str(v) for v in value)
            elif value:
                resolved.append(str(value))
        return tuple(resolved)

    assignees = values("assignee")
    return Assignment(
        assignee=assignees[0] if assignees else None,
        candidate_groups=values("candidateGroups"),
        candidate_users=values("candidateUsers"),
    )


def _due(task: SpiffTask, expression: str | None) -> str | None:
    """Absolute due time (ISO, UTC) from a camunda:dueDate Python expression."""
    if not expression:
        return None
    with _engine_errors(task):
        value = str(task.workflow.script_engine.evaluate(task, expression))
    now = datetime.now(UTC)
    if value.upper().startswith("P"):
        duration = TimerEventDefinition.parse_iso_duration(value)
        return (now + TimerEventDefinition.get_timedelta_from_start(duration, now)).isoformat()
    return TimerEventDefinition.get_datetime(value).isoformat()


def _field(field) -> FormFieldSpec:
    rules = {v.name: v.config for v in getattr(field, "validation", []) or []}

    def number(name):
        try:
            return float(rules[name]) if rules.get(name) not in (None, "") else None
        except ValueError:
            return None

    options = tuple((o.id, o.name) for o in getattr(field, "options", []) or [])
    return FormFieldSpec(
        id=field.id,
        label=field.label or field.id,
        type=field.type or "string",
        default=field.default_value,
        required="required" in rules and str(rules["required"]).lower() != "false",
        readonly="readonly" in rules,
        min=number("min"),
        max=number("max"),
        minlength=int(number("minlength")) if number("minlength") is not None else None,
        maxlength=int(number("maxlength")) if number("maxlength") is not None else None,
        options=options,
    )


def _timers(workflow: BpmnWorkflow):
    return [e for e in workflow.waiting_events() if "Timer" in e.event_type]


def _timer_key(event) -> tuple[str, datetime | None]:
    value = event.value
    if isinstance(value, dict):  # cycle timers report their next firing
        value = value.get("next")
    when = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            when = None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return event.name, when


class _engine_errors:
    """Context manager turning SpiffWorkflow failures into EngineError with task and line."""

    def __init__(self, task: SpiffTask | None = None):
        self.task = task

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, EngineError):
            return False
        if isinstance(exc, SpiffWorkflowException):
            task = getattr(exc, "task", None) or self.task
            name = task.task_spec.bpmn_id if task is not None else None
            line = getattr(exc, "line_number", None) or None
            message = getattr(exc, "error_msg", None) or str(exc)
            raise EngineError(str(message), task_name=name, line=line) from exc
        if isinstance(exc, (WorkflowException, KeyError, TypeError, ValueError, NameError)):
            name = self.task.task_spec.bpmn_id if self.task is not None else None
            raise EngineError(f"{type(exc).__name__}: {exc}", task_name=name) from exc
        return False
