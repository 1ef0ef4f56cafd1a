"""The script sandbox (webapp.engine.scripting) on real BPMN run by SpiffWorkflow.

Each escape is tried from a script task (and some from a gateway condition or timer), on a fresh
workflow and on one that went through a serializer round trip with the engine re-attached.
"""

import json
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import time_machine
from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from webapp.engine.scripting import SCRIPT_FUNCTIONS
from webapp.engine.scripting import SandboxError
from webapp.engine.scripting import check_code
from webapp.engine.scripting import make_script_engine

DATA = Path(__file__).resolve().parents[1] / "data" / "sandbox"
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))


def load_spec(fixture, process_id, **placeholders):
    text = (DATA / fixture).read_text()
    for name, value in placeholders.items():
        text = text.replace("$" + name, escape(value))
    xml_parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(text.encode(), parser=xml_parser)
    parser = CamundaParser()
    parser.add_bpmn_xml(root, filename=fixture)
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def roundtrip(wf):
    return SERIALIZER.deserialize_json(SERIALIZER.serialize_json(wf))


def start_gate(script="pass", condition="True", data=None, timeout=1.0, reload=False):
    """Run up to the user task 'review', fill it in; the script runs on the next engine step."""
    spec, subprocesses = load_spec("gate.bpmn", "sandbox_gate", SCRIPT=script, CONDITION=condition)
    wf = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine(timeout))
    wf.do_engine_steps()
    if reload:
        wf = roundtrip(wf)
        wf.script_engine = make_script_engine(timeout)  # what our state loader does
    [review] = wf.get_tasks(state=TaskState.READY, manual=True)
    review.set_data(**(data or {}))
    review.run()
    return wf


def gate_task(wf, bpmn_id="record_gate_outcome"):
    return next(t for t in wf.get_tasks() if t.task_spec.bpmn_id == bpmn_id)


ESCAPES = {
    "import": "import os\nos.system('touch {path}')",
    "from_import": "from os import system\nsystem('touch {path}')",
    "dunder_import": "__import__('os').system('touch {path}')",
    "open": "open('{path}', 'w').write('pwned')",
    "subclasses_walk": "[c for c in ().__class__.__base__.__subclasses__()]",
    "getattr_dunder": "getattr((), '__class__')",
    "eval": "eval('1')",
    "exec": "exec('x = 1')",
    "compile": "compile('1', 'f', 'eval')",
    "globals": "g = globals()",
    "vars": "v = vars()",
    "type_trick": "t = type(1)\nobj = t.mro()[-1]",
    "dict_attr": "d = len.__dict__",
    "self_of_builtin": "b = len.__self__",
    "function_globals": "f = lambda: 0\ng = f.__globals__",
    "format_attribute": "s = '{0.__class__}'.format(1)",
    "format_via_type": "s = str.format('{0.__class__}', 1)",
    "fstring_attribute": "s = f'{().__class__}'",
    "generator_frame": "frame = (y for y in []).gi_frame",
    "huge_range": "big = list(range(10**12))",
    "huge_power": "big = 2 ** 10**10",
    "huge_repeat": "big = 'x' * 10**10",
    "huge_inplace_repeat": "big = [0]\nbig *= 10**10",
    "huge_pow_builtin": "big = pow(10, 10**10)",
    "class_definition": "class A:\n    pass",
    "setattr": "setattr(len, 'x', 1)",
    "print": "print('hello')",
}


@pytest.mark.parametrize("reload", [False, True], ids=["fresh", "reloaded"])
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escape_attempts_in_script_tasks_fail_cleanly(name, reload, tmp_path):
    target = tmp_path / "pwned"
    wf = start_gate(ESCAPES[name].replace("{path}", str(target)), reload=reload)
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert info.value.task_spec.bpmn_id == "record_gate_outcome"
    assert "Script 'record_gate_outcome' line " in str(info.value)
    assert not target.exists()
    assert gate_task(wf).state == TaskState.ERROR
    assert not wf.is_completed()


@pytest.mark.parametrize(
    "script, fragment",
    [
        ("import os", "line 1: import is not allowed"),
        ("x = 1\n__import__('os')", 'line 2: "__import__" is an invalid variable name'),
        ("open('/nonexistent-dir/x', 'w')", "line 1: SandboxError: name 'open' is not allowed"),
        ("s = '{0}'.format(1)", "NotImplementedError: Using the format*() methods"),
        ("x = (1", "line 1: SyntaxError"),
        ("x = missing + 1", "NameError: name 'missing' is not defined"),
    ],
)
def test_errors_are_readable_and_name_the_script_and_line(script, fragment):
    wf = start_gate(script)
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert "Script 'record_gate_outcome' " in str(info.value)
    assert fragment in str(info.value)


@pytest.mark.parametrize("reload", [False, True], ids=["fresh", "reloaded"])
def test_endless_loop_is_stopped_within_the_timeout(reload):
    wf = start_gate("while True:\n    pass", timeout=0.2, reload=reload)
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException, match="ScriptTimeout: stopped after running"):
        wf.do_engine_steps()
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
        "while True:\n    try:\n        while True:\n            pass\n"
        "    finally:\n        continue",
        "n = 0\nwhile True:\n    n = [x for x in range(100000)][-1]",
        "def spin():\n    while True:\n        pass\nspin()",
        "x = sum(1 for a in range(100000) for b in range(100000))",
    ],
)
def test_timeout_cannot_be_caught_or_hidden_in_functions(script):
    wf = start_gate(script, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException, match="ScriptTimeout"):
        wf.do_engine_steps()
    assert time.monotonic() - started < 2


def test_trace_function_is_restored_and_timeout_works_in_other_threads():
    previous = sys.gettrace()

    def outer_tracer(frame, event, arg):
        return None

    env = make_script_engine(timeout=0.2).environment
    sys.settrace(outer_tracer)
    try:
        assert env.evaluate("len(items) + 1", {"items": [1, 2]}) == 3
        assert sys.gettrace() is outer_tracer
        with pytest.raises(Exception, match="ScriptTimeout|stopped after"):
            env.execute("while True:\n    pass", {})
        assert sys.gettrace() is outer_tracer
    finally:
        sys.settrace(previous)

    errors = []

    def in_thread():
        try:
            env.execute("while True:\n    pass", {})
        except Exception as err:
            errors.append(err)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert [type(e).__name__ for e in errors] == ["ScriptTimeout"]


@pytest.mark.parametrize("reload", [False, True], ids=["fresh", "reloaded"])
@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('touch {path}')",
        "open('{path}', 'w') is not None",
        "().__class__.__base__.__subclasses__()",
        "'{0.__class__}'.format(1)",
        "[x for x in range(100000) for y in range(100000)]",
    ],
)
def test_escape_attempts_in_gateway_conditions_are_refused(condition, reload, tmp_path):
    target = tmp_path / "pwned"
    condition = condition.replace("{path}", str(target))
    wf = start_gate("decision = 'go'", condition, timeout=0.2, reload=reload)
    with pytest.raises(WorkflowTaskException) as info:
        wf.do_engine_steps()
    assert "Expression " in str(info.value)
    assert not target.exists()
    assert not wf.is_completed()


def test_timer_expression_escape_is_refused(tmp_path):
    target = tmp_path / "pwned"
    spec, subprocesses = load_spec(
        "timer.bpmn", "sandbox_timer", TIMER=f"open('{target}', 'w') and 'P1D'"
    )
    wf = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine())
    with pytest.raises(WorkflowTaskException, match="name 'open' is not allowed"):
        wf.do_engine_steps()
    assert not target.exists()


def test_without_reattaching_the_engine_a_reloaded_workflow_runs_unsandboxed(tmp_path):
    """Why the loader must set wf.script_engine after every load: the engine is not serialized,
    so a deserialized workflow gets SpiffWorkflow's stock engine, which runs plain exec()."""
    target = tmp_path / "written_by_stock_engine"
    spec, subprocesses = load_spec(
        "gate.bpmn", "sandbox_gate", SCRIPT=f"open('{target}', 'w').close()", CONDITION="True"
    )
    wf = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine())
    wf.do_engine_steps()
    wf = roundtrip(wf)  # deliberately NOT re-attaching make_script_engine()
    [review] = wf.get_tasks(state=TaskState.READY, manual=True)
    review.run()
    wf.do_engine_steps()
    assert target.exists()  # the stock engine let open() through
    assert wf.is_completed()


LEGITIMATE_SCRIPT = """\
k = gate
recycle_counts = {**recycle_counts, k: recycle_counts.get(k, 0) + 1}
d = {}
d["a"] = 1
scores["risk"] = 3
squares = [n * n for n in range(5)]
count = len(items)
ordered = sorted(items, reverse=True)
total = sum(items)
weighted = 0
for a, b in pairs:
    weighted += a * b
first, *rest = items
try:
    parsed = int("x")
except ValueError:
    parsed = -1
label = "%s-%d" % (gate, count)
big_enough = max(items) > 2 and isinstance(total, int)
stamp = today()
decision = "conditional_go"
"""


@pytest.mark.parametrize("reload", [False, True], ids=["fresh", "reloaded"])
def test_legitimate_script_works_and_leaves_only_data(reload):
    wf = start_gate(
        LEGITIMATE_SCRIPT,
        'decision in ("go", "conditional_go")',
        reload=reload,
        data={
            "gate": "G2",
            "recycle_counts": {"G2": 1},
            "items": [3, 1, 2],
            "pairs": [[1, 2], [3, 4]],
            "scores": {},
        },
    )
    wf.do_engine_steps()
    assert wf.is_completed()
    [end] = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id == "end_go"]
    data = gate_task(wf).data
    assert data == {
        "gate": "G2",
        "recycle_counts": {"G2": 2},
        "items": [3, 1, 2],
        "pairs": [[1, 2], [3, 4]],
        "scores": {"risk": 3},
        "k": "G2",
        "d": {"a": 1},
        "squares": [0, 1, 4, 9, 16],
        "count": 3,
        "ordered": [3, 2, 1],
        "total": 6,
        "weighted": 14,
        "first": 3,
        "rest": [1, 2],
        "a": 3,
        "b": 4,
        "parsed": -1,
        "label": "G2-3",
        "big_enough": True,
        "stamp": datetime.now(UTC).date().isoformat(),
        "decision": "conditional_go",
    }
    assert not any(key.startswith("_") for key in data)
    assert not any(callable(value) for value in data.values())
    json.dumps(data)
    assert end.data["decision"] == "conditional_go"
    assert roundtrip(wf).is_completed()


def test_false_condition_takes_the_default_flow():
    wf = start_gate("decision = 'stop'", 'decision in ("go", "conditional_go")')
    wf.do_engine_steps()
    completed = {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)}
    assert "end_other" in completed and "end_go" not in completed


def test_task_data_shadowing_a_helper_is_refused_with_a_clear_message():
    wf = start_gate("x = 1", data={"today": "2025-01-01"})
    with pytest.raises(WorkflowTaskException, match="overwrites a predefined function"):
        wf.do_engine_steps()


def test_timer_expression_is_evaluated_in_the_sandbox():
    spec, subprocesses = load_spec("timer.bpmn", "sandbox_timer", TIMER='"P90D"')
    with time_machine.travel(datetime(2025, 1, 1, tzinfo=UTC), tick=False):
        wf = BpmnWorkflow(spec, subprocesses, script_engine=make_script_engine())
        wf.do_engine_steps()
        [event] = wf.waiting_events()
        assert event.value.startswith("2025-04-01")
    with time_machine.travel(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=91)):
        wf.refresh_timers()
        wf.do_engine_steps()
    assert wf.is_completed()


def test_helper_functions_are_minimal_and_return_utc_iso_strings():
    assert set(SCRIPT_FUNCTIONS) == {"today", "now"}
    with time_machine.travel(datetime(2025, 3, 4, 23, 30, tzinfo=UTC), tick=False):
        assert SCRIPT_FUNCTIONS["today"]() == "2025-03-04"
        assert SCRIPT_FUNCTIONS["now"]() == "2025-03-04T23:30:00+00:00"


def test_expressions_evaluate_like_python():
    env = make_script_engine().environment
    context = {"amount": 1500, "decision": "go", "items": [2, 1]}
    assert env.evaluate("amount > 1000", context) is True
    assert env.evaluate('decision in ("go", "conditional_go")', context) is True
    assert env.evaluate("sorted(items)", context) == [1, 2]
    assert env.evaluate('"P90D"', context) == "P90D"
    assert env.evaluate("  amount * 2\n", context) == 3000
    assert context == {"amount": 1500, "decision": "go", "items": [2, 1]}


@pytest.mark.parametrize(
    "source, mode",
    [
        ("amount > 1000", "eval"),
        ('decision in ("go", "conditional_go")', "eval"),
        ('"P90D"', "eval"),
        ("x = 1\nd = {}\nd['a'] = x", "exec"),
        ("label = 'item #{n}'", "exec"),
    ],
)
def test_check_code_accepts_valid_python(source, mode):
    assert check_code(source, mode) is None


@pytest.mark.parametrize(
    "source, mode, fragment",
    [
        ("amount >", "eval", "line 1: SyntaxError"),
        ("x = = 1", "exec", "SyntaxError"),
        ("x = 1", "eval", "SyntaxError"),
        ("__import__('os')", "eval", '"__import__" is an invalid variable name'),
        ("import os", "exec", "import is not allowed"),
        ("from os import path", "exec", "import is not allowed"),
        ("x = ().__class__", "exec", '"__class__" is an invalid attribute name'),
        ("exec('x = 1')", "exec", "Exec calls are not allowed"),
        ("eval('1')", "eval", "Eval calls are not allowed"),
        ("(y for y in []).gi_frame", "eval", '"gi_frame" is a restricted name'),
    ],
)
def test_check_code_reports_invalid_or_refused_code(source, mode, fragment):
    message = check_code(source, mode)
    assert message is not None and fragment in message


@pytest.mark.parametrize(
    "source, mode, python",
    [
        ("${amount > 1000}", "eval", "'amount > 1000'"),
        ("#{decision == 'go'}", "eval", "\"decision == 'go'\""),
        ("  ${approved}  ", "eval", "'approved'"),
        ("#{x}", "exec", "'x'"),
        ("${a} and ${b}", "eval", "drop the ${ }"),
    ],
)
def test_check_code_explains_that_juel_is_not_python(source, mode, python):
    message = check_code(source, mode)
    assert message.startswith("Conditions and scripts are Python expressions, not JUEL")
    assert python in message


def test_check_code_rejects_unknown_mode():
    with pytest.raises(ValueError):
        check_code("x", "single")


def _run_script_workflow(script):
    """Compile-time refusals raise from check_code; run-time ones from the script task."""
    problem = check_code(script, "exec")
    if problem:
        raise SandboxError(problem)
    wf = start_gate(script, 'decision in ("go", "conditional_go")', data={"decision": "go"})
    wf.do_engine_steps()
    return gate_task(wf).data


@pytest.mark.parametrize(
    "script",
    [
        "x = sum([[0] * 100000] * 150, [])",
        "x = ''.join(['x' * 1000000] * 500)",
        "x = 'x'.ljust(10 ** 9)",
        "x = '1'.zfill(10 ** 9)",
        "x = ('a' * 1000).replace('a', 'b' * 100000)",
        "x = '%999999999d' % 1",
        "x = '%.999999999f' % 1.5",
        "x = f'{1:>999999999}'",
        "w = 10 ** 9\nx = f'{1:>{w}}'",
        "w = '9' * 9\nx = f'{1:{w}}'",
        "a, b = '99', '99999'\nx = f'{1.5:{a}{b}.2f}'",
        "p = 10 ** 9\nx = f'{1.5:.{p}f}'",
        "w = 10 ** 9\nx = f'{\"a\"!r:>{w}}'",
    ],
)
def test_single_c_calls_that_would_run_long_or_allocate_hugely_are_refused(script):
    import time

    started = time.perf_counter()
    with pytest.raises(Exception) as refused:  # noqa: PT011 - compile or run-time refusal
        _run_script_workflow(script)
    assert time.perf_counter() - started < 1.0
    assert (
        "not allowed" in str(refused.value)
        or "too large" in str(refused.value)
        or ("limited" in str(refused.value) or "adds numbers" in str(refused.value))
    )


@pytest.mark.parametrize(
    "script, expected",
    [
        ("x = sum([1, 2, 3.5])", 6.5),
        ("x = ', '.join(['a', 'b'])", "a, b"),
        ("x = 'ab'.replace('a', 'z')", "zb"),
        ("x = '%05.1f' % 3.14159", "003.1"),
        ("x = f'{3.14159:.2f}'", "3.14"),
        ("w, p = 8, 3\nx = f'{3.14159:>{w}.{p}f}'", "   3.142"),
        ('w = 5\nx = f\'{"ab"!r:>{w}}|{"ab"!s:{w}}|\'', " 'ab'|ab   |"),
        ("x = 'id'.ljust(4, '.')", "id.."),
    ],
)
def test_ordinary_text_and_number_helpers_still_work(script, expected):
    assert _run_script_workflow(script)["x"] == expected
