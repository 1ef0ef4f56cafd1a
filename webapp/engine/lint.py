"""Static checks on BPMN trees that SpiffWorkflow would only fail at run time, or never.

Each check yields Problems naming file, element id and line, so a designer can find the element
in Camunda Modeler. The checks see plain lxml trees; Spiff parsing happens in specs.py.
"""

import ast
import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .errors import Problem
from .scripting import check_code

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": BPMN_NS, "camunda": CAMUNDA_NS}

# `${name}` is allowed in assignment attributes only: a plain variable lookup, as in Camunda 7.
VARIABLE_REFERENCE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


@dataclass(frozen=True)
class LintContext:
    roles: frozenset[str]  # accepted lane / group names, lower-cased (keys and display names)
    form_keys: frozenset[str]
    process_ids: frozenset[str]  # every process in the bundle, executable or not
    decision_ids: frozenset[str]


def lint_bpmn(root: etree._Element, filename: str, ctx: LintContext) -> list[Problem]:
    checks = (
        _executable_processes,
        _expressions,
        _timers,
        _user_tasks,
        _lanes,
        _call_activities,
        _business_rules,
        _event_references,
        _data_stores,
        _sequence_flows,
    )
    return [problem for check in checks for problem in check(root, filename, ctx)]


# Parts of an element that Camunda Modeler does not show as elements of their own (their ids,
# when the modeler writes any, cannot be found in the diagram): report the owning element.
_NOT_DIAGRAM_ELEMENTS = frozenset(
    {
        "conditionExpression",
        "timeDuration",
        "timeDate",
        "timeCycle",
        "script",
        "completionCondition",
        "loopCardinality",
    }
)


def _problem(filename: str, node: etree._Element | None, message: str) -> Problem:
    element_id = None
    line = None
    while node is not None and element_id is None:
        if isinstance(node.tag, str) and not _is_part_of_element(node):
            element_id = node.get("id")
        line = line or node.sourceline
        node = node.getparent()
    return Problem(filename, element_id, line, message)


def _is_part_of_element(node: etree._Element) -> bool:
    name = etree.QName(node).localname
    return name in _NOT_DIAGRAM_ELEMENTS or name.endswith("EventDefinition")


def _executable_processes(root, filename, ctx) -> Iterator[Problem]:
    processes = root.findall("bpmn:process", NS)
    if not processes:
        yield _problem(filename, root, "no process: the file holds no bpmn:process element")
    elif all(p.get("isExecutable") == "false" for p in processes):
        yield _problem(
            filename,
            processes[0],
            'no executable process: every process has isExecutable="false"',
        )


def _expressions(root, filename, ctx) -> Iterator[Problem]:
    for node in root.iterfind(".//bpmn:conditionExpression", NS):
        yield from _check_code(filename, node, node.text, "eval", "condition")
    for node in root.iterfind(".//bpmn:completionCondition", NS):
        yield from _check_code(filename, node, node.text, "eval", "completion condition")
    for node in root.iterfind(".//bpmn:loopCardinality", NS):
        yield from _check_code(filename, node, node.text, "eval", "loop cardinality")
    for node in root.iterfind(".//bpmn:scriptTask", NS):
        fmt = (node.get("scriptFormat") or "python").lower()
        if fmt not in ("python", "py", "python3"):
            yield _problem(filename, node, f"script format {fmt!r} is not supported: use python")
        script = node.find("bpmn:script", NS)
        if script is None or not (script.text or "").strip():
            yield _problem(filename, node, "script task has no script")
        else:
            yield from _check_code(filename, node, script.text, "exec", "script")


def _check_code(filename, node, text, mode, what) -> Iterator[Problem]:
    if text is None or not text.strip():
        yield _problem(filename, node, f"{what} is empty")
        return
    error = _code_error(text.strip(), mode)
    if error:
        yield _problem(filename, node, f"{what} is not valid Python: {error}")


def _timers(root, filename, ctx) -> Iterator[Problem]:
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for node in root.iterfind(f".//bpmn:timerEventDefinition/bpmn:{kind}", NS):
            message = timer_expression_error(node.text, kind)
            if message:
                yield _problem(filename, node, message)
    for node in root.iterfind(".//bpmn:timerEventDefinition", NS):
        if not len(node):
            yield _problem(filename, node, "timer has no timeDuration, timeDate or timeCycle")


def _code_error(text: str, mode: str) -> str | None:
    """check_code, but an expression nested too deeply for Python's compiler is a finding too."""
    try:
        return check_code(text, mode)
    except (RecursionError, MemoryError):
        return "the expression is nested too deeply to compile"


def timer_expression_error(text: str | None, kind: str = "timeDuration") -> str | None:
    """A timer (or due date) is a Python expression; if it is a literal, it must be ISO-8601."""
    text = (text or "").strip()
    if not text:
        return f"timer {kind} is empty"
    if _looks_like_bare_iso(text):
        return (
            f"timer {text!r} is not a Python expression: SpiffWorkflow evaluates timers as "
            f'Python, so write the ISO-8601 text as a string literal: "{text}"'
        )
    error = _code_error(text, "eval")
    if error:
        return f"timer {text!r} is not valid Python: {error}"
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None  # computed at run time from task data
    if not isinstance(value, str):
        return f"timer {text!r} must yield an ISO-8601 string, not {type(value).__name__}"
    if not _valid_iso(value, kind):
        return f"timer {value!r} is not a valid ISO-8601 {_ISO_KIND[kind]}"
    return None


_ISO_KIND = {
    "timeDuration": "duration (e.g. P7D, PT4H)",
    "timeDate": "date-time (e.g. 2027-01-31T09:00:00Z)",
    "timeCycle": "repeating interval (e.g. R3/PT1H)",
    "dueDate": "duration or date (e.g. P5D, 2027-01-31)",
}


def _looks_like_bare_iso(text: str) -> bool:
    return bool(re.fullmatch(r"R\d*/.*|P[0-9TYMWDHS.,]+|\d{4}-\d{2}-\d{2}(T[\d:.]+)?Z?", text))


def _valid_iso(value: str, kind: str) -> bool:
    """Ask SpiffWorkflow's own timer parsers, so what deploys is what runs."""
    parse = TimerEventDefinition
    try:
        if kind == "timeDate":
            parse.get_datetime(value)
        elif kind == "timeCycle":
            parse.parse_iso_recurring_interval(value)
        elif kind == "dueDate":
            return due_value_valid(value)
        else:
            if not value.upper().startswith("P"):
                return False
            parse.parse_iso_duration(value)
    except Exception:  # Spiff raises bare Exception('Invalid duration') among others
        return False
    return True


def due_value_valid(value: str) -> bool:
    """A due date is an ISO-8601 duration from task creation, or an absolute date(-time)."""
    return _valid_iso(value, "timeDuration") or _valid_iso(value, "timeDate")


def _user_tasks(root, filename, ctx) -> Iterator[Problem]:
    for task in root.iterfind(".//bpmn:userTask", NS):
        key = task.get(f"{{{CAMUNDA_NS}}}formKey")
        fields = task.findall(".//camunda:formData/camunda:formField", NS)
        if key and key not in ctx.form_keys and not fields:
            yield _problem(
                filename,
                task,
                f"form key {key!r} is not registered in forms/ and the task has no "
                "camunda:formData fields to generate a form from",
            )
        elif not key and not fields:
            yield _problem(
                filename, task, "user task has no form: set camunda:formKey or camunda:formData"
            )
        for field in fields:
            if not field.get("id"):
                yield _problem(filename, field, "form field has no id")
            if field.get("type") not in ("string", "long", "boolean", "date", "enum", None):
                yield _problem(filename, field, f"form field type {field.get('type')!r} is unknown")
        groups = task.get(f"{{{CAMUNDA_NS}}}candidateGroups")
        for group in split_list(groups):
            if not VARIABLE_REFERENCE.match(group) and group.lower() not in ctx.roles:
                yield _problem(filename, task, f"candidate group {group!r} is not a role")
        for attribute in ("assignee", "candidateUsers"):
            value = task.get(f"{{{CAMUNDA_NS}}}{attribute}") or ""
            if "${" in value and not all(VARIABLE_REFERENCE.match(v) for v in split_list(value)):
                yield _problem(
                    filename,
                    task,
                    f"camunda:{attribute} {value!r}: only a plain ${{variable}} reference "
                    "is supported, not a JUEL expression",
                )
        due = task.get(f"{{{CAMUNDA_NS}}}dueDate")
        if due is not None:
            message = timer_expression_error(due, "dueDate")
            if message:
                yield _problem(filename, task, message.replace("timer", "due date", 1))


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _lanes(root, filename, ctx) -> Iterator[Problem]:
    for lane in root.iterfind(".//bpmn:lane", NS):
        name = (lane.get("name") or "").strip()
        if not name:
            yield _problem(filename, lane, "lane has no name: name it after a role")
        elif name.lower() not in ctx.roles:
            yield _problem(filename, lane, f"lane {name!r} is not a role")


def _call_activities(root, filename, ctx) -> Iterator[Problem]:
    for node in root.iterfind(".//bpmn:callActivity", NS):
        called = node.get("calledElement")
        if not called:
            yield _problem(filename, node, "call activity has no calledElement")
        elif called not in ctx.process_ids:
            yield _problem(
                filename, node, f"call activity calls {called!r}, which is not in the bundle"
            )


def _business_rules(root, filename, ctx) -> Iterator[Problem]:
    for node in root.iterfind(".//bpmn:businessRuleTask", NS):
        ref = node.get(f"{{{CAMUNDA_NS}}}decisionRef")
        if not ref:
            yield _problem(filename, node, "business rule task has no camunda:decisionRef")
        elif ref not in ctx.decision_ids:
            yield _problem(filename, node, f"decision {ref!r} is not in any DMN file of the bundle")


# Event definition attribute -> the root element it must name (in the same file).
_EVENT_REFERENCES = {
    "messageEventDefinition": ("messageRef", "message"),
    "signalEventDefinition": ("signalRef", "signal"),
    "errorEventDefinition": ("errorRef", "error"),
    "escalationEventDefinition": ("escalationRef", "escalation"),
}


def _event_references(root, filename, ctx) -> Iterator[Problem]:
    """A dangling messageRef & co. makes SpiffWorkflow fail with an assertion or a TypeError."""
    for definition, (attribute, target) in _EVENT_REFERENCES.items():
        declared = {node.get("id") for node in root.iterfind(f"bpmn:{target}", NS)}
        for node in root.iterfind(f".//bpmn:{definition}", NS):
            ref = node.get(attribute)
            if ref and ref.rpartition(":")[2] not in declared:
                yield _problem(
                    filename, node, f"{attribute} {ref!r} names no bpmn:{target} in this file"
                )


def _data_stores(root, filename, ctx) -> Iterator[Problem]:
    for node in root.iterfind(".//bpmn:dataStore", NS):
        name = node.get("name") or node.get("id")
        yield _problem(
            filename,
            node,
            f"data store {name!r} is not supported: Tollgate registers no data store "
            "implementations; keep the data in process variables",
        )


_CONTAINERS = ("process", "subProcess", "transaction", "adHocSubProcess")
_ACTIVITIES = frozenset({"task", "subProcess", "callActivity", "transaction", "adHocSubProcess"})


def _is_flow_node(node) -> bool:
    if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
        return False
    name = etree.QName(node).localname
    return name in _ACTIVITIES or name.endswith(("Task", "Event", "Gateway"))


def _sequence_flows(root, filename, ctx) -> Iterator[Problem]:
    """Ids, and flows that connect what they say. SpiffWorkflow ends a path silently at a flow
    that is gone, and misreports a missing target as "found two items"; Modeler never writes
    these, hand edits and generators do."""
    for container in (c for kind in _CONTAINERS for c in root.iterfind(f".//bpmn:{kind}", NS)):
        kind = etree.QName(container).localname
        if not container.get("id"):
            yield _problem(filename, container, f"<bpmn:{kind}> has no id")
        nodes = {n.get("id"): n for n in container if _is_flow_node(n) and n.get("id")}
        flows = {f.get("id"): f for f in container.iterfind("bpmn:sequenceFlow", NS)}
        for node in container:
            if _is_flow_node(node) and not node.get("id"):
                yield _problem(filename, node, f"<bpmn:{etree.QName(node).localname}> has no id")
        for flow_id, flow in flows.items():
            if not flow_id:
                yield _problem(filename, flow, "<bpmn:sequenceFlow> has no id")
            for end in ("sourceRef", "targetRef"):
                if flow.get(end) not in nodes:
                    yield _problem(
                        filename,
                        flow,
                        f"sequence flow {end} {flow.get(end)!r} names no element "
                        f"of {container.get('id')!r}",
                    )
        for node_id, node in nodes.items():
            for direction, end in (("incoming", "targetRef"), ("outgoing", "sourceRef")):
                for ref in node.iterfind(f"bpmn:{direction}", NS):
                    flow = flows.get((ref.text or "").strip())
                    if flow is None or flow.get(end) != node_id:
                        yield _problem(
                            filename,
                            node,
                            f"{direction} {ref.text!r} names no sequence flow "
                            f"{'into' if direction == 'incoming' else 'out of'} this element",
                        )
            if etree.QName(node).localname != "boundaryEvent":
                continue
            attached = node.get("attachedToRef")
            if attached not in nodes:
                yield _problem(
                    filename,
                    node,
                    f"boundary event is attached to {attached!r}, which is not "
                    f"an element of {container.get('id')!r}",
                )
            definitions = node.iterfind("*", NS)
            if not any(etree.QName(d).localname.endswith("EventDefinition") for d in definitions):
                yield _problem(
                    filename, node, "boundary event has no event definition: it would never fire"
                )


def lint_dmn(root: etree._Element, filename: str) -> list[Problem]:
    """DMN cells are Python too: SpiffWorkflow's DMN engine hands them to the script engine when
    the rule is first evaluated. An input entry is a value (`"board"`, `1000`), a comparison
    (`> 1000`) or an expression using `?` for the input; `-` or nothing matches anything."""
    problems = []
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        kind = etree.QName(node).localname
        if kind not in ("inputExpression", "inputEntry", "outputEntry"):
            continue
        text = node.findtext("{*}text")
        text = (text or "").strip()
        if not text or (kind == "inputEntry" and text == "-"):
            continue
        error = _input_entry_error(text) if kind == "inputEntry" else _code_error(text, "eval")
        if error:
            what = re.sub(r"(?<!^)([A-Z])", r" \1", kind).lower()  # inputEntry -> input entry
            message = f"{what} {text!r} is not valid Python: {error}"
            problems.append(_problem(filename, node, message))
    return problems


# `?` outside string literals stands for the input value (as SpiffWorkflow's DMNEngine reads it).
_INPUT_PLACEHOLDER = re.compile(r"\?(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _input_entry_error(text: str) -> str | None:
    if _INPUT_PLACEHOLDER.search(text):
        return _code_error(_INPUT_PLACEHOLDER.sub("dmninputexpr", text), "eval")
    error = _code_error(text, "eval")  # a value, compared with ==
    if error is None or _code_error(f"dmninputexpr {text}", "eval") is None:  # `> 1000`
        return None
    return (
        f'{error} (an input entry is a value such as "board" or 1000, a comparison such as '
        "> 1000, or an expression with ? for the input value)"
    )


def process_ids(roots: Iterable[etree._Element]) -> frozenset[str]:
    return frozenset(p.get("id") for r in roots for p in r.iterfind("bpmn:process", NS))
