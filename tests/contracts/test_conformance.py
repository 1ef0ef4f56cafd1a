"""The deploy gate on the shared conformance corpus (MIWG, Camunda examples, SpiffWorkflow's own
test files): it never crashes, every problem names its file (and element and line), and the
outcome for each file is the one recorded below. What deploys also starts.

Each file is validated as a bundle with the files it needs (call activities, DMN), as listed under
"loaded with" in `shared/conformance/PARSE-RESULTS.md`. The corpus is read in place, not copied.

Most of the corpus is rejected, on purpose: Camunda and MIWG files use JUEL/FEEL/XPath conditions
and bare ISO/cron timers (Tollgate evaluates Python), lanes and groups that are not Tollgate roles,
user tasks without a Tollgate form, data stores and multi-decision DMN that SpiffWorkflow cannot
load, or have no executable process at all.
"""

from pathlib import Path

import pytest

import forms
from webapp.engine import runner
from webapp.engine.errors import BundleInvalid
from webapp.engine.errors import EngineError
from webapp.engine.specs import validate_bundle
from webapp.roles import accepted_role_names

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance"
if not CONFORMANCE.is_dir():
    pytest.skip(f"no conformance corpus at {CONFORMANCE}", allow_module_level=True)

SUFFIXES = (".bpmn", ".bpmn20.xml", ".dmn")
DEPLOYS = "deploys"

# file -> other files of its bundle, relative to the file's folder ("loaded with ..." in
# PARSE-RESULTS.md).
LOADED_WITH = {
    "camunda/examples/camunda-testing-job-announcement.bpmn": (
        "camunda-testing-job-announcement-publication.bpmn",
    ),
    "camunda/invoice/invoice.v1.bpmn": ("reviewInvoice.bpmn", "invoiceBusinessDecisions.dmn"),
    "camunda/invoice/invoice.v2.bpmn": ("reviewInvoice.bpmn", "invoiceBusinessDecisions.dmn"),
    "miwg/C.9.0.bpmn": ("C.9.2.bpmn", "C.9.1.bpmn"),
    "miwg/C.9.2.bpmn": ("C.9.1.bpmn",),
    "spiffworkflow/camunda/ExclusiveGatewayIfElseAndDecision.bpmn": (
        "dmn/test_integer_decision.dmn",
    ),
    "spiffworkflow/camunda/call_activity_with_message_parent.bpmn": (
        "call_activity_with_message.bpmn",
    ),
}

# Reasons, as message fragments.
JUEL = "not JUEL"
NOT_PYTHON = "is not valid Python"
BARE_TIMER = "is not a Python expression: SpiffWorkflow evaluates timers as Python"
NO_FORM = "user task has no form"
FOREIGN_FORM = "is not registered in forms/"
NOT_A_ROLE = "is not a role"
NOT_EXECUTABLE = 'no executable process: every process has isExecutable="false"'
DATA_STORE = "is not supported: Tollgate registers no data store"
ONE_DECISION = "only one decision per DMN file is supported"
NO_DECISION_REF = "business rule task has no camunda:decisionRef"
EMPTY_TIMER = "timer timeDate is empty"
NO_PRINT = "print() is not available in scripts"

# file -> DEPLOYS, or the message fragments that must each be in some problem (the main reasons;
# most files have more problems of the same kinds).
EXPECTED: dict[str, str | tuple[str, ...]] = {
    # Camunda 7 examples: JUEL conditions, embedded HTML forms, Quartz cron timers.
    "camunda/examples/TwitterDemoProcess.bpmn": (JUEL, FOREIGN_FORM),
    "camunda/examples/camunda-testing-job-announcement-publication.bpmn": (JUEL,),
    "camunda/examples/camunda-testing-job-announcement.bpmn": (
        JUEL,
        NO_FORM,
        "candidate group 'engineering' is not a role",
        "lane 'HR' is not a role",
    ),
    "camunda/examples/customerDataProcess.bpmn": (JUEL, FOREIGN_FORM),
    "camunda/examples/invoicePayment.bpmn": (FOREIGN_FORM, NO_FORM),
    "camunda/examples/loan-granting.bpmn": (JUEL, f"timer '0/5 0/1 * 1/1 * ?' {NOT_PYTHON}"),
    "camunda/examples/message_start_process.bpmn": (NO_FORM,),
    "camunda/examples/order-handling.bpmn": (f"timer '0/5 0/1 * 1/1 * ?' {NOT_PYTHON}",),
    # The Camunda invoice: a DRD with two decisions, a data store, JUEL due dates.
    "camunda/invoice/invoice.v1.bpmn": (
        ONE_DECISION,
        "data store 'Financial Accounting System'",
        JUEL,
        FOREIGN_FORM,
        "lane 'Accountant' is not a role",
        "due date '${dateTime().plusWeeks(1).toDate()}'",
    ),
    "camunda/invoice/invoice.v2.bpmn": (
        ONE_DECISION,
        "data store 'Financial Accounting System'",
        JUEL,
        FOREIGN_FORM,
        NOT_A_ROLE,
    ),
    "camunda/invoice/invoiceBusinessDecisions.dmn": (
        "no BPMN file",
        ONE_DECISION,
        "input entry '[250..1000]' is not valid Python",  # FEEL
    ),
    "camunda/invoice/reviewInvoice.bpmn": (FOREIGN_FORM, "due date", JUEL),
    # MIWG: mostly descriptive (non-executable) models, vendor expression languages.
    "miwg/A.1.0.bpmn": (NOT_EXECUTABLE,),
    "miwg/A.2.0.bpmn": (NOT_EXECUTABLE,),
    "miwg/A.2.1.bpmn": (NOT_EXECUTABLE, "condition is empty"),
    "miwg/A.3.0.bpmn": (NOT_EXECUTABLE,),
    "miwg/A.4.0.bpmn": (NOT_EXECUTABLE, "lane 'Lane 1' is not a role"),
    "miwg/A.4.1.bpmn": (NOT_EXECUTABLE, NOT_A_ROLE),
    "miwg/B.1.0.bpmn": (
        NOT_EXECUTABLE,
        DATA_STORE,
        EMPTY_TIMER,
        NO_FORM,
        NOT_A_ROLE,
        "call activity calls 'global-task', which is not in the bundle",
    ),
    "miwg/B.2.0.bpmn": (NOT_EXECUTABLE, DATA_STORE, EMPTY_TIMER, NO_FORM, "not in the bundle"),
    "miwg/C.1.0.bpmn": (
        JUEL,
        NO_FORM,
        "timer has no timeDuration, timeDate or timeCycle",
        "lane has no name",
    ),
    "miwg/C.1.1.bpmn": (
        "data store 'Financial Accounting System'",
        f"condition {NOT_PYTHON}: line 1: SyntaxError",  # XPath bpmn:getDataObject('approved')
        NO_FORM,
    ),
    "miwg/C.2.0.bpmn": (NOT_EXECUTABLE, "lane 'Picker' is not a role"),
    "miwg/C.3.0.bpmn": (f"condition {NOT_PYTHON}", "timer 'PT2H' " + BARE_TIMER, NO_FORM),
    "miwg/C.4.0.bpmn": (DATA_STORE, NO_FORM, NOT_A_ROLE),
    "miwg/C.5.0.bpmn": (DATA_STORE, NO_FORM, NOT_A_ROLE),
    "miwg/C.6.0.bpmn": (EMPTY_TIMER,),
    "miwg/C.7.0.bpmn": (NO_DECISION_REF, NO_FORM, "lane 'Recruitment' is not a role"),
    "miwg/C.8.0.bpmn": (NOT_EXECUTABLE, NO_DECISION_REF, f"condition {NOT_PYTHON}", NO_FORM),
    "miwg/C.8.1.bpmn": (NO_DECISION_REF, f"condition {NOT_PYTHON}", NO_FORM),
    "miwg/C.9.0.bpmn": (NO_DECISION_REF, f"condition {NOT_PYTHON}", "timer 'P7D' " + BARE_TIMER),
    "miwg/C.9.1.bpmn": ("timer 'R6/P1D' " + BARE_TIMER, "timer 'P7D' " + BARE_TIMER, NO_FORM),
    "miwg/C.9.2.bpmn": ("timer 'R1/P5D' " + BARE_TIMER, f"condition {NOT_PYTHON}", NO_FORM),
    # SpiffWorkflow's own test files: written for Spiff, rejected mostly for Tollgate's rules.
    "spiffworkflow/bpmn/Action-Management.bpmn20.xml": (NO_FORM, "lane 'Responsible Person'"),
    "spiffworkflow/bpmn/Approvals.bpmn": ("lane 'Supervisor' is not a role",),
    "spiffworkflow/bpmn/Multi-Instance.bpmn20.xml": DEPLOYS,
    "spiffworkflow/bpmn/boundary.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/boundary_timer_on_task.bpmn": (NO_FORM,),
    "spiffworkflow/bpmn/diff/v1.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/diff/v2.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/diff/v3.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/diff/v4.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/diff/v5.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/event-gateway.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/exclusive_gateway_no_default.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/inclusive_gateway.bpmn": (NO_FORM,),
    "spiffworkflow/bpmn/invalid/No-Start-Event.bpmn20.xml": (NO_FORM, "lane 'Tester'"),
    "spiffworkflow/bpmn/invalid/non-executable-process.bpmn": (NOT_EXECUTABLE,),
    "spiffworkflow/bpmn/lanes.bpmn": ("lane 'A' is not a role",),
    "spiffworkflow/bpmn/timer-cycle.bpmn": (NO_PRINT,),
    "spiffworkflow/bpmn/timer-non-interrupt-boundary.bpmn": DEPLOYS,
    "spiffworkflow/bpmn/transaction.bpmn": (NO_PRINT,),
    "spiffworkflow/camunda/ExclusiveGatewayIfElseAndDecision.bpmn": DEPLOYS,
    "spiffworkflow/camunda/MessageBoundary.bpmn": ("lane 'Boss' is not a role",),
    "spiffworkflow/camunda/call_activity_with_message.bpmn": DEPLOYS,
    "spiffworkflow/camunda/call_activity_with_message_parent.bpmn": ("lane 'Approver'",),
    "spiffworkflow/camunda/dmn/test_integer_decision.dmn": ("no BPMN file: nothing to run",),
    "spiffworkflow/camunda/noninterrupting-MessageBoundary.bpmn": ("lane 'Boss' is not a role",),
    "spiffworkflow/camunda/parallel_multiinstance_collection.bpmn": DEPLOYS,
    "spiffworkflow/camunda/random_fact.bpmn": DEPLOYS,
    "spiffworkflow/camunda/subWorkflowComplex.bpmn": DEPLOYS,
    "spiffworkflow/camunda/token_trial_parallel_simple.bpmn": (
        "form field type 'textarea' is unknown",
        NO_FORM,
    ),
    "spiffworkflow/spiff/human_task_metadata.bpmn": (NO_FORM,),
    "spiffworkflow/spiff/user_task_variable.bpmn": (NO_FORM,),
}

# Deployed processes that stop at their first gateway when started without data (EngineError).
NEEDS_DATA = {
    "spiffworkflow/bpmn/exclusive_gateway_no_default.bpmn": {"NoDefaultGateway"},  # x > 1
    "spiffworkflow/camunda/ExclusiveGatewayIfElseAndDecision.bpmn": {"Process_1"},  # x == 1
    "spiffworkflow/camunda/parallel_multiinstance_collection.bpmn": {"main"},  # no collection
}


def corpus_files() -> list[str]:
    return sorted(
        path.relative_to(CONFORMANCE).as_posix()
        for path in CONFORMANCE.rglob("*")
        if path.is_file() and path.name.endswith(SUFFIXES)
    )


def bundle_of(relative: str) -> dict[str, bytes]:
    path = CONFORMANCE / relative
    files = {path.name: path.read_bytes()}
    for other in LOADED_WITH.get(relative, ()):
        files[other] = (path.parent / other).read_bytes()
    return files


def validate(files):
    """The Bundle, or the BundleInvalid; anything else raised is a crash of the deploy gate."""
    try:
        return validate_bundle(
            files, roles=accepted_role_names(), form_keys=frozenset(forms.FORM_REGISTRY)
        )
    except BundleInvalid as invalid:
        return invalid
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"validate_bundle crashed: {type(exc).__name__}: {exc}")


def test_the_table_covers_the_corpus():
    assert corpus_files() == sorted(EXPECTED), "record the outcome of new/removed corpus files"
    for relative, others in LOADED_WITH.items():
        for other in others:
            assert (CONFORMANCE / relative).parent.joinpath(other).is_file(), other


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_conformance_file(relative):
    files = bundle_of(relative)
    outcome = validate(files)
    expected = EXPECTED[relative]

    if isinstance(outcome, BundleInvalid):
        problems = outcome.problems
        assert problems
        for problem in problems:
            assert problem.message.strip()
            assert problem.file == "(bundle)" or problem.file in files, problem
            if problem.file != "(bundle)":
                # Every finding about a file points into it: an element and a line.
                assert problem.element_id and problem.line, problem
        assert expected != DEPLOYS, f"{relative} was rejected: {outcome}"
        messages = [p.message for p in problems]
        for fragment in expected:
            assert any(fragment in m for m in messages), f"{fragment!r} not in {messages}"
        return

    bundle = outcome
    assert expected == DEPLOYS, f"{relative} deployed, expected rejection for {expected}"
    assert bundle.processes
    for process_id in bundle.processes:
        try:
            workflow = runner.start(*bundle.spec(process_id))
        except EngineError:
            assert process_id in NEEDS_DATA.get(relative, set()), (relative, process_id)
        else:
            assert process_id not in NEEDS_DATA.get(relative, set()), (relative, process_id)
            assert workflow is not None


def test_summary():
    """The shape of the table, so a change in the gate's policy shows up as one clear diff."""
    deployed = [f for f, e in EXPECTED.items() if e == DEPLOYS]
    assert len(EXPECTED) == 64
    assert len(deployed) == 15
    not_executable = [f for f, e in EXPECTED.items() if e != DEPLOYS and NOT_EXECUTABLE in e]
    assert len(not_executable) == 11
