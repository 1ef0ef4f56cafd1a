"""The deploy gate, `webapp.engine.specs.validate_bundle`: every rejection names file, element and
line with a message a process designer can act on; the real library and a DMN bundle deploy.

Invalid bundles are mostly the real `gate_review.bpmn` with one thing changed by a string replace
(the diagram stays intact), or a few lines of BPMN written here; larger hand-written files live
in `tests/data/invalid/`.
"""

import re
from pathlib import Path

import pytest

import forms
from webapp.engine import runner
from webapp.engine.errors import BundleInvalid
from webapp.engine.errors import Problem
from webapp.engine.specs import parse_bundle
from webapp.engine.specs import validate_bundle
from webapp.roles import accepted_role_names
from webapp.services.library import read_library

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "workflows" / "stage_gate"
INVALID = ROOT / "tests" / "data" / "invalid"
ROLES = accepted_role_names()
FORM_KEYS = frozenset(forms.FORM_REGISTRY)


def validate(files):
    encoded = {name: c.encode() if isinstance(c, str) else c for name, c in files.items()}
    return validate_bundle(encoded, roles=ROLES, form_keys=FORM_KEYS)


def rejected(files) -> list[Problem]:
    with pytest.raises(BundleInvalid) as info:
        validate(files)
    problems = info.value.problems
    assert problems, "BundleInvalid without problems"
    for problem in problems:
        assert problem.file and problem.message.strip()
    return problems


def problem_at(problems, file, element_id, *fragments) -> Problem:
    """The one problem about `element_id` in `file`; its message contains every fragment."""
    found = [p for p in problems if p.file == file and p.element_id == element_id]
    assert len(found) == 1, f"expected one problem for {file} [{element_id}], got {problems}"
    problem = found[0]
    for fragment in fragments:
        assert fragment.lower() in problem.message.lower(), (fragment, problem.message)
    assert str(problem).startswith(f"{file}:{problem.line} [{element_id}]: ")
    return problem


def line_of(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle)].count("\n") + 1


def gate_review(old: str, new: str) -> str:
    """gate_review.bpmn with exactly one change."""
    text = (LIBRARY / "gate_review.bpmn").read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} is no longer in gate_review.bpmn"
    return text.replace(old, new, 1)


def tiny_process(body: str, *, pid="tiny", extra="") -> str:
    """A one-process BPMN file: start -> `body` (one node with id "step") -> end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="definitions_{pid}" targetNamespace="http://tollgate.example/bpmn">{extra}
  <bpmn:process id="{pid}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_step</bpmn:outgoing></bpmn:startEvent>
    {body}
    <bpmn:endEvent id="end"><bpmn:incoming>to_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="to_step" sourceRef="start" targetRef="step" />
    <bpmn:sequenceFlow id="to_end" sourceRef="step" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


FLOWS = "<bpmn:incoming>to_step</bpmn:incoming><bpmn:outgoing>to_end</bpmn:outgoing>"


# --- one change to gate_review.bpmn, one rejection ------------------------------------------------

GATE_REVIEW_MUTATIONS = [
    pytest.param(
        'decision == "hold"',
        "${amount &gt; 1000}",
        "flow_hold",
        ("condition", "Python", "not JUEL", "amount > 1000"),
        id="juel-condition",
    ),
    pytest.param(
        'decision == "hold"',
        'decision = = "hold"',
        "flow_hold",
        ("condition", "not valid Python", "SyntaxError"),
        id="condition-syntax-error",
    ),
    pytest.param(
        "<bpmn:script>recycle_counts = ",
        "<bpmn:script>recycle_counts == = ",
        "record_gate_outcome",
        ("script", "not valid Python", "SyntaxError"),
        id="script-syntax-error",
    ),
    pytest.param(
        "<bpmn:script>",
        "<bpmn:script>import os\n",
        "record_gate_outcome",
        ("script", "import is not allowed"),
        id="script-import-os",
    ),
    pytest.param(
        "<bpmn:script>",
        "<bpmn:script>escape = ().__class__.__base__.__subclasses__()\n",
        "record_gate_outcome",
        ("script", "__class__", "invalid attribute name"),
        id="script-dunder-escape",
    ),
    pytest.param(
        '>"P10D"<',
        ">P7D<",
        "decision_overdue",
        ("timer 'P7D'", "not a Python expression", 'string literal: "P7D"'),
        id="bare-iso-timer",
    ),
    pytest.param(
        '>"P10D"<',
        '>"P7X"<',
        "decision_overdue",
        ("timer 'P7X'", "not a valid ISO-8601 duration"),
        id="invalid-iso-timer",
    ),
    pytest.param(
        """camunda:dueDate='"P3D"'""",
        """camunda:dueDate='"in three days"'""",
        "check_gate_readiness",
        ("due date 'in three days'", "ISO-8601"),
        id="due-date-not-iso",
    ),
    pytest.param(
        """camunda:dueDate='"P3D"'""",
        'camunda:dueDate="P3D"',
        "check_gate_readiness",
        ("due date 'P3D'", "not a Python expression", '"P3D"'),
        id="due-date-bare-iso",
    ),
    pytest.param(
        """camunda:dueDate='"P3D"'""",
        'camunda:dueDate="${dateTime().plusDays(3)}"',
        "check_gate_readiness",
        ("due date", "not JUEL"),
        id="due-date-juel",
    ),
    pytest.param(
        'camunda:formKey="gate_submission"',
        'camunda:formKey="no_such_form"',
        "submit_gate_package",
        ("form key 'no_such_form'", "not registered", "camunda:formData"),
        id="unknown-form-key",
    ),
    pytest.param(
        ' camunda:formKey="gate_submission"',
        "",
        "submit_gate_package",
        ("no form", "camunda:formKey", "camunda:formData"),
        id="user-task-without-form",
    ),
    pytest.param(
        'name="PMO"',
        'name="Wizards"',
        "lane_pmo",
        ("lane 'Wizards'", "not a role"),
        id="lane-not-a-role",
    ),
    pytest.param(
        'camunda:candidateGroups="sponsor,pmo"',
        'camunda:candidateGroups="sponsor,wizards"',
        "resume_gate",
        ("candidate group 'wizards'", "not a role"),
        id="candidate-group-not-a-role",
    ),
    pytest.param(
        'isExecutable="true"',
        'isExecutable="false"',
        "gate_review",
        ("no executable process", 'isExecutable="false"'),
        id="no-executable-process",
    ),
    pytest.param(
        "<bpmn:incoming>flow_to_submit_gate_package</bpmn:incoming>",
        "<bpmn:incoming>flow_to_submit_gate_package</bpmn:incoming><bpmn:frobnicate />",
        "submit_gate_package",
        ("not valid BPMN", "bpmn:frobnicate", "not expected"),
        id="not-schema-valid",
    ),
    # Structural limits SpiffWorkflow itself reports (ValidationException at spec build).
    pytest.param(
        ' default="flow_not_ready"',
        "",
        "flow_not_ready",
        ("exclusive outgoing sequence flow without condition",),
        id="gateway-flow-without-condition",
    ),
]


@pytest.mark.parametrize(("old", "new", "element_id", "fragments"), GATE_REVIEW_MUTATIONS)
def test_one_change_to_gate_review_is_rejected(old, new, element_id, fragments):
    text = gate_review(old, new)
    problems = rejected({"gate_review.bpmn": text})
    problem = problem_at(problems, "gate_review.bpmn", element_id, *fragments)
    # The line is where the element starts, or where the change is inside it (a condition).
    element_line = line_of(text, f'id="{element_id}"')
    assert problem.line in {element_line, line_of(text, new) if new.strip() else element_line}


def test_xml_not_well_formed_names_file_and_line():
    text = gate_review("</bpmn:userTask>", "</bpmn:userTsk>")
    (problem,) = rejected({"gate_review.bpmn": text})
    assert problem.file == "gate_review.bpmn"
    assert problem.element_id is None  # a broken document has no elements to name
    assert problem.line == line_of(text, "</bpmn:userTsk>")
    assert "not well-formed" in problem.message and "userTsk" in problem.message


@pytest.mark.parametrize(
    ("content", "tag", "line"),
    [
        ("<!-- saved from a browser -->\n<html><body><p>Process</p></body></html>", "<html>", 2),
        (
            '<?xml version="1.0"?>\n<config xmlns="urn:example:settings"><a/></config>',
            "<{urn:example:settings}config>",
            2,
        ),
        (
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/DI" id="x"/>',
            "<{http://www.omg.org/spec/BPMN/20100524/DI}definitions>",
            1,
        ),
    ],
    ids=["html", "random-xml", "bpmn-di-namespace-root"],
)
def test_not_bpmn_is_rejected(content, tag, line):
    (problem,) = rejected({"process.bpmn": content})
    assert (problem.file, problem.line) == ("process.bpmn", line)
    assert "not BPMN or DMN" in problem.message and tag in problem.message


def test_call_activity_to_a_process_not_in_the_bundle():
    files = read_library([LIBRARY])
    files["light_lifecycle.bpmn"] = files["light_lifecycle.bpmn"].replace(
        b'calledElement="gate_review"', b'calledElement="gate_reveiw"', 1
    )
    problems = rejected(files)
    problem = problem_at(
        problems, "light_lifecycle.bpmn", "gate_1", "calls 'gate_reveiw'", "not in the bundle"
    )
    assert problem.line == line_of(files["light_lifecycle.bpmn"].decode(), 'id="gate_1"')


def test_call_activity_without_the_called_file():
    files = {"light_lifecycle.bpmn": (LIBRARY / "light_lifecycle.bpmn").read_bytes()}
    problems = rejected(files)
    called = [p for p in problems if "calls 'gate_review'" in p.message]
    assert {p.element_id for p in called} >= {"gate_1", "gate_2"}
    assert all(p.file == "light_lifecycle.bpmn" and p.line for p in called)


def test_business_rule_task_whose_decision_is_in_no_dmn_file():
    text = tiny_process(
        f'<bpmn:businessRuleTask id="step" camunda:decisionRef="approver">{FLOWS}'
        "</bpmn:businessRuleTask>"
    )
    problems = rejected({"tiny.bpmn": text})
    problem = problem_at(problems, "tiny.bpmn", "step", "decision 'approver'", "not in any DMN")
    assert problem.line == line_of(text, 'id="step"')


def test_business_rule_task_without_decision_ref():
    text = tiny_process(f'<bpmn:businessRuleTask id="step">{FLOWS}</bpmn:businessRuleTask>')
    problems = rejected({"tiny.bpmn": text})
    problem = problem_at(problems, "tiny.bpmn", "step", "no camunda:decisionRef")
    assert problem.line == line_of(text, 'id="step"')


def test_duplicate_process_ids_across_two_files():
    text = (LIBRARY / "gate_review.bpmn").read_text(encoding="utf-8")
    problems = rejected({"a/gate_review.bpmn": text, "b/gate_review_copy.bpmn": text})
    problem = problem_at(
        problems, "b/gate_review_copy.bpmn", "gate_review", "'gate_review'", "also in a/gate_review"
    )
    assert problem.line == line_of(text, '<bpmn:process id="gate_review"')


def test_empty_bundle():
    (problem,) = rejected({})
    assert problem.file == "(bundle)"
    assert "no BPMN or DMN files" in problem.message


def test_bundle_of_only_dmn_has_nothing_to_run():
    problems = rejected({"approver.dmn": APPROVER_DMN})
    assert any("no BPMN file" in p.message for p in problems)


def test_dmn_file_with_two_decisions_is_rejected_naming_the_second():
    dmn = (INVALID / "two_decisions.dmn").read_text(encoding="utf-8")
    # The BPMN even uses the first decision, which is the case SpiffWorkflow crashes on.
    files = {"two_decisions.dmn": dmn, "approval.bpmn": approval_process("risk_level")}
    problems = rejected(files)
    problem = problem_at(
        problems, "two_decisions.dmn", "gate_track", "2 decisions", "only one decision per DMN file"
    )
    assert problem.line == line_of(dmn, '<decision id="gate_track"')
    assert not any("AttributeError" in p.message for p in problems)


def test_dmn_file_with_two_decisions_is_rejected_even_when_unused():
    dmn = (INVALID / "two_decisions.dmn").read_text(encoding="utf-8")
    problems = rejected(
        {
            "two_decisions.dmn": dmn,
            "tiny.bpmn": tiny_process(f'<bpmn:task id="step">{FLOWS}</bpmn:task>'),
        }
    )
    problem_at(problems, "two_decisions.dmn", "gate_track", "only one decision per DMN file")


@pytest.mark.parametrize(
    ("old", "new", "element_id", "fragments"),
    [
        pytest.param(
            '"board"',
            '"board',
            "rule_board_out",
            ("output entry", "not valid Python"),
            id="output-syntax-error",
        ),
        pytest.param(
            '"board"',
            '__import__("os").getcwd()',
            "rule_board_out",
            ("output entry", "__import__"),
            id="output-outside-the-sandbox",
        ),
        pytest.param(
            "&gt; 1000",
            "[1000..5000]",
            "rule_board_in",
            ("input entry '[1000..5000]'", "a comparison such as > 1000"),
            id="feel-range-input",
        ),
        pytest.param(
            "<text>amount</text>",
            "<text>amount.</text>",
            "amount_expression",
            ("input expression 'amount.'", "not valid Python"),
            id="input-expression",
        ),
    ],
)
def test_dmn_cell_that_is_not_python_is_rejected_at_deploy(old, new, element_id, fragments):
    """SpiffWorkflow evaluates DMN cells with the script engine only when a rule is first tried,
    so these would deploy and fail on the first decision."""
    assert old in APPROVER_DMN
    dmn = APPROVER_DMN.replace(old, new, 1)
    problems = rejected({"approver.dmn": dmn, "approval.bpmn": approval_process()})
    problem = problem_at(problems, "approver.dmn", element_id, *fragments)
    assert problem.line == line_of(dmn, f'id="{element_id}"')


def test_data_store_without_implementation():
    text = (INVALID / "data_store.bpmn").read_text(encoding="utf-8")
    problems = rejected({"data_store.bpmn": text})
    problem = problem_at(
        problems, "data_store.bpmn", "ledger_store", "data store 'Finance ledger'", "not supported"
    )
    assert problem.line == line_of(text, '<bpmn:dataStore id="ledger_store"')


@pytest.mark.parametrize(
    ("event", "definition", "attribute", "target"),
    [
        ("intermediateCatchEvent", "messageEventDefinition", "messageRef", "message"),
        ("intermediateCatchEvent", "signalEventDefinition", "signalRef", "signal"),
        ("intermediateThrowEvent", "escalationEventDefinition", "escalationRef", "escalation"),
    ],
)
def test_event_definition_naming_nothing(event, definition, attribute, target):
    """SpiffWorkflow fails on these with an AssertionError or a TypeError from its own error
    reporting; the deploy gate says what is missing."""
    text = tiny_process(
        f'<bpmn:{event} id="step">{FLOWS}'
        f'<bpmn:{definition} id="step_definition" {attribute}="ghost" />'
        f"</bpmn:{event}>"
    )
    problems = rejected({"tiny.bpmn": text})
    # Reported on the event, not on its (invisible in the modeler) event definition.
    problem = problem_at(problems, "tiny.bpmn", "step", f"{attribute} 'ghost'", f"bpmn:{target}")
    assert problem.line == line_of(text, f"<bpmn:{definition}")


def test_process_without_start_event():
    text = (
        tiny_process(f'<bpmn:task id="step">{FLOWS}</bpmn:task>')
        .replace(
            '<bpmn:startEvent id="start"><bpmn:outgoing>to_step</bpmn:outgoing></bpmn:startEvent>',
            "",
        )
        .replace('<bpmn:sequenceFlow id="to_step" sourceRef="start" targetRef="step" />', "")
    )
    text = text.replace("<bpmn:incoming>to_step</bpmn:incoming>", "")
    problems = rejected({"tiny.bpmn": text})
    problem = problem_at(problems, "tiny.bpmn", "tiny", "No start event")
    assert problem.line == line_of(text, '<bpmn:process id="tiny"')


def test_task_with_two_outgoing_flows_names_the_task_type():
    text = gate_review(
        "<bpmn:outgoing>flow_to_check_gate_readiness</bpmn:outgoing>",
        "<bpmn:outgoing>flow_to_check_gate_readiness</bpmn:outgoing>"
        "<bpmn:outgoing>flow_shortcut</bpmn:outgoing>",
    ).replace(
        '<bpmn:sequenceFlow id="flow_to_gate_decided"',
        '<bpmn:sequenceFlow id="flow_shortcut" sourceRef="submit_gate_package" '
        'targetRef="gate_decided" />\n    <bpmn:sequenceFlow id="flow_to_gate_decided"',
    )
    problems = rejected({"gate_review.bpmn": text})
    problem = problem_at(
        problems,
        "gate_review.bpmn",
        "submit_gate_package",
        "Multiple outgoing flows",
        "bpmn:userTask",
        "gateway",
    )
    assert problem.line == line_of(text, 'id="submit_gate_package"')


def without(text: str, pattern: str) -> str:
    """`text` with the one match of the regular expression `pattern` removed."""
    matches = list(re.finditer(pattern, text, flags=re.S))
    assert len(matches) == 1, pattern
    return text[: matches[0].start()] + text[matches[0].end() :]


@pytest.mark.parametrize(
    ("pattern", "element_id", "fragments"),
    [
        pytest.param(
            r'<bpmn:sequenceFlow id="flow_to_check_gate_readiness"[^>]*/>',
            "submit_gate_package",
            ("outgoing 'flow_to_check_gate_readiness'", "names no sequence flow"),
            id="deleted-sequence-flow",
        ),
        pytest.param(
            r'<bpmn:userTask id="check_gate_readiness".*?</bpmn:userTask>',
            "flow_to_check_gate_readiness",
            ("targetRef 'check_gate_readiness'", "names no element of 'gate_review'"),
            id="deleted-flow-target",
        ),
        pytest.param(
            r'<bpmn:boundaryEvent id="decision_overdue".*?</bpmn:boundaryEvent>',
            "flow_to_escalate_overdue_decision",
            ("sourceRef 'decision_overdue'",),
            id="deleted-flow-source",
        ),
        pytest.param(
            r'(?<=<bpmn:startEvent) id="start_gate"',
            "gate_review",
            ("<bpmn:startEvent> has no id",),
            id="flow-node-without-id",
        ),
        pytest.param(
            r"<bpmn:timerEventDefinition>.*?</bpmn:timerEventDefinition>",
            "decision_overdue",
            ("boundary event has no event definition",),
            id="boundary-event-without-trigger",
        ),
    ],
)
def test_broken_flow_references(pattern, element_id, fragments):
    """SpiffWorkflow silently ends a path at a flow that is gone (or misreports a missing target
    as "found two items"); the gate names the dangling reference."""
    text = without((LIBRARY / "gate_review.bpmn").read_text(encoding="utf-8"), pattern)
    problems = rejected({"gate_review.bpmn": text})
    problem_at(problems, "gate_review.bpmn", element_id, *fragments)


@pytest.mark.parametrize(
    "expression", ["-" * 50_000 + "1", " + ".join(["1"] * 50_000)], ids=["unary", "binary"]
)
def test_expression_too_deep_for_the_compiler_is_a_problem_not_a_crash(expression):
    """Python's compiler raises MemoryError / RecursionError on these, not SyntaxError."""
    problems = rejected({"gate_review.bpmn": gate_review('decision == "hold"', expression)})
    problem_at(problems, "gate_review.bpmn", "flow_hold", "condition", "nested too deeply")


# --- what SpiffWorkflow raises besides ValidationException ---------------------------------------
# parse_bundle re-parses stored versions without the static lint, so SpiffWorkflow's own failures
# reach the catch-all there: it must still name the element and say what is wrong.


def test_spiff_key_error_for_missing_decision_ref_names_the_task():
    text = tiny_process(f'<bpmn:businessRuleTask id="step">{FLOWS}</bpmn:businessRuleTask>')
    with pytest.raises(BundleInvalid) as info:
        parse_bundle({"tiny.bpmn": text.encode()})
    (problem,) = info.value.problems
    assert (problem.file, problem.element_id) == ("tiny.bpmn", "step")
    assert problem.line == line_of(text, 'id="step"')
    assert "without camunda:decisionRef" in problem.message
    assert "KeyError" not in problem.message


def test_spiff_attribute_error_for_two_decisions_is_explained():
    dmn = (INVALID / "two_decisions.dmn").read_bytes()
    with pytest.raises(BundleInvalid) as info:
        parse_bundle(
            {"two_decisions.dmn": dmn, "approval.bpmn": approval_process("risk_level").encode()}
        )
    (problem,) = info.value.problems
    assert problem.file == "two_decisions.dmn"
    assert problem.element_id
    assert "only one decision per DMN file" in problem.message
    assert "'list' object" not in problem.message


def test_spiff_type_error_for_dangling_signal_ref_names_the_event():
    text = tiny_process(
        f'<bpmn:intermediateCatchEvent id="step">{FLOWS}'
        '<bpmn:signalEventDefinition id="step_signal" signalRef="ghost" />'
        "</bpmn:intermediateCatchEvent>"
    )
    with pytest.raises(BundleInvalid) as info:
        parse_bundle({"tiny.bpmn": text.encode()})
    (problem,) = info.value.problems
    assert (problem.file, problem.element_id) == ("tiny.bpmn", "step")
    assert "reference on this element names nothing" in problem.message


# --- what deploys ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library_bundle():
    return validate(read_library([LIBRARY]))


def test_real_library_validates(library_bundle):
    assert set(library_bundle.processes) == {"project_lifecycle", "light_lifecycle", "gate_review"}
    for info in library_bundle.processes.values():
        spec, subprocesses = library_bundle.spec(info.id)
        assert spec.name == info.id


def test_lifecycles_are_the_two_top_level_processes(library_bundle):
    assert {p.id for p in library_bundle.lifecycles} == {"project_lifecycle", "light_lifecycle"}
    assert library_bundle.processes["gate_review"].is_lifecycle is False


def test_project_lifecycle_stages_in_order(library_bundle):
    stages = library_bundle.processes["project_lifecycle"].stages
    assert stages == (
        "Stage 1 – Initiation",
        "Stage 2 – Planning",
        "Stage 3 – Execution",
        "Stage 4 – Closure",
    )


def test_every_lifecycle_starts(library_bundle):
    for info in library_bundle.lifecycles:
        workflow = runner.start(*library_bundle.spec(info.id), data={"project_name": "Test"})
        assert runner.ready_tasks(workflow), f"{info.id} waits for nobody after start"


APPROVER_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="approver_definitions"
    name="Approver" namespace="http://tollgate.example/dmn">
  <decision id="approver" name="Approver">
    <decisionTable id="approver_table" hitPolicy="UNIQUE">
      <input id="amount_input" label="Amount">
        <inputExpression id="amount_expression" typeRef="number">
          <text>amount</text>
        </inputExpression>
      </input>
      <output id="approver_output" label="Approver" name="approver" typeRef="string" />
      <rule id="rule_board">
        <inputEntry id="rule_board_in"><text>&gt; 1000</text></inputEntry>
        <outputEntry id="rule_board_out"><text>"board"</text></outputEntry>
      </rule>
      <rule id="rule_manager">
        <inputEntry id="rule_manager_in"><text>&lt;= 1000</text></inputEntry>
        <outputEntry id="rule_manager_out"><text>"manager"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


def approval_process(decision: str = "approver") -> str:
    """Decide the approver with a business rule task, then route on the decision's output."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="definitions_approval" targetNamespace="http://tollgate.example/bpmn">
  <bpmn:process id="approval" name="Approval" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to_decide</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="decide_approver" name="Decide approver"
        camunda:decisionRef="{decision}">
      <bpmn:incoming>to_decide</bpmn:incoming><bpmn:outgoing>to_route</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="route" name="Approver?" default="to_manager">
      <bpmn:incoming>to_route</bpmn:incoming>
      <bpmn:outgoing>to_board</bpmn:outgoing><bpmn:outgoing>to_manager</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:task id="board_review" name="Board review"><bpmn:incoming>to_board</bpmn:incoming>
    </bpmn:task>
    <bpmn:task id="manager_review" name="Manager review"><bpmn:incoming>to_manager</bpmn:incoming>
    </bpmn:task>
    <bpmn:sequenceFlow id="to_decide" sourceRef="start" targetRef="decide_approver" />
    <bpmn:sequenceFlow id="to_route" sourceRef="decide_approver" targetRef="route" />
    <bpmn:sequenceFlow id="to_board" sourceRef="route" targetRef="board_review">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >approver == "board"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_manager" sourceRef="route" targetRef="manager_review" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    ("amount", "approver", "task"),
    [(5000, "board", "board_review"), (1000, "manager", "manager_review")],
)
@pytest.mark.parametrize(
    "board_rule", ["&gt; 1000", "? &gt; 1000", "1000 &lt; ? &lt; 10**9"], ids=["op", "?", "range"]
)
def test_dmn_business_rule_task_deploys_and_routes(amount, approver, task, board_rule):
    dmn = APPROVER_DMN.replace("<text>&gt; 1000</text>", f"<text>{board_rule}</text>")
    bundle = validate({"approval.bpmn": approval_process(), "approver.dmn": dmn})
    assert set(bundle.processes) == {"approval"}
    assert bundle.lifecycles == []  # no milestones: a plain process, not a lifecycle
    workflow = runner.start(*bundle.spec("approval"), data={"amount": amount})
    (ready,) = runner.ready_tasks(workflow)
    assert ready.name == task
    assert runner.task_data(workflow, ready.id)["approver"] == approver


def test_problem_lines_point_into_the_file():
    """Sanity check of line_of against a problem the gate reports, so the helper is trusted."""
    text = gate_review('name="Sponsor"', 'name="Nobody"')
    problems = rejected({"gate_review.bpmn": text})
    problem = problem_at(problems, "gate_review.bpmn", "lane_sponsor", "lane 'Nobody'")
    assert re.search(r'id="lane_sponsor"', text.splitlines()[problem.line - 1])
