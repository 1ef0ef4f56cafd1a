"""The standard and light lifecycles through every gate outcome, on the bare engine."""

from datetime import timedelta

import time_machine

from webapp.engine import runner

from .walk import Walk

STAGES = ["Stage 1 – Initiation", "Stage 2 – Planning", "Stage 3 – Execution", "Stage 4 – Closure"]


def _to_gate(walk, n):
    """Complete the stage work in front of gate n (1-based) of the standard lifecycle."""
    work = {
        1: "prepare_charter",
        2: "prepare_project_plan",
        3: "mobilise_delivery",
        4: "complete_delivery",
    }
    walk.do(work[n])


def test_go_at_every_gate_reaches_closure_and_benefits_review():
    walk = Walk()
    assert walk.stage() == STAGES[0]
    assert walk.names() == ["prepare_charter"]
    # Gate 3 is a checkpoint inside Execution; Gate 4 opens Closure.
    after_gate = {1: STAGES[1], 2: STAGES[2], 3: STAGES[2], 4: STAGES[3]}
    for n in range(1, 5):
        _to_gate(walk, n)
        walk.gate("go")
        assert walk.stage() == after_gate[n]
    walk.do("capture_lessons_learned")
    assert walk.names() == []
    due = runner.next_timer_at(walk.wf)
    assert due is not None
    walk.roundtrip()
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert runner.fire_due_timers(walk.wf) == ["Benefits review due"]
    assert walk.names() == ["review_benefits"]
    walk.do("review_benefits")
    assert runner.is_completed(walk.wf)


def test_gatekeepers_named_by_the_gate_each_score_before_the_decision():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("go")
    _to_gate(walk, 2)
    walk.do("submit_gate_package")
    walk.do("check_gate_readiness", readiness_passed=True)
    scoring = [v for v in walk.ready() if v.name == "score_gate"]
    assert [v.assignment.candidate_groups for v in scoring] == [("finance",)]
    assert "decide_gate" not in walk.names()
    runner.complete(walk.wf, scoring[0].id, {"recommendation": "go"})
    assert walk.names() == ["decide_gate"]


def test_conditional_go_passes_the_gate():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("conditional_go")
    assert walk.stage() == STAGES[1]
    assert walk.names() == ["prepare_project_plan"]


def test_hold_waits_for_resume_then_decides_again():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("hold")
    assert walk.names() == ["resume_gate"]
    view = walk.ready()[0]
    assert set(view.assignment.candidate_groups) == {"sponsor", "pmo"}
    walk.roundtrip().do("resume_gate")
    assert walk.names() == ["decide_gate"]
    walk.do("decide_gate", decision="go")
    assert walk.stage() == STAGES[1]


def test_recycle_returns_to_the_stage_work_then_go():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("recycle")
    assert walk.stage() == STAGES[0]
    assert walk.names() == ["prepare_charter"]
    _to_gate(walk, 1)
    walk.gate("go")
    assert walk.stage() == STAGES[1]


def test_third_recycle_of_a_gate_goes_to_the_pmo():
    walk = Walk()
    for _ in range(2):
        _to_gate(walk, 1)
        walk.gate("recycle")
    _to_gate(walk, 1)
    walk.gate("recycle")
    assert walk.names() == ["escalate_recycle"]
    walk.do("escalate_recycle", decision="kill")
    assert walk.names() == ["record_closure"]


def test_readiness_not_passed_returns_the_package_to_the_pm():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("go", readiness=False)
    assert walk.names() == ["submit_gate_package"]


def test_kill_records_closure_and_ends():
    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("go")
    _to_gate(walk, 2)
    walk.gate("kill")
    assert walk.names() == ["record_closure"]
    walk.do("record_closure")
    assert runner.is_completed(walk.wf)
    assert walk.stage() == STAGES[1]


def test_overdue_decision_escalates_to_the_pmo_and_returns_to_the_sponsor():
    walk = Walk()
    _to_gate(walk, 1)
    walk.do("submit_gate_package")
    walk.do("check_gate_readiness", readiness_passed=True)
    assert walk.names() == ["decide_gate"]
    walk.roundtrip()
    due = runner.next_timer_at(walk.wf)
    with time_machine.travel(due + timedelta(seconds=1), tick=False):
        assert runner.fire_due_timers(walk.wf) == ["Decision overdue"]
    assert walk.names() == ["escalate_overdue_decision"]
    walk.do("escalate_overdue_decision", sponsor_contacted=True)
    assert walk.names() == ["decide_gate"]


def test_light_lifecycle_has_two_gates():
    walk = Walk("light_lifecycle")
    assert walk.stage() == "Stage 1 – Initiation"
    walk.do("prepare_charter")
    walk.gate("go")
    assert walk.stage() == "Stage 2 – Delivery"
    walk.do("complete_delivery")
    walk.gate("go")
    assert walk.stage() == "Stage 3 – Closure"
    walk.do("capture_lessons_learned")
    assert runner.is_completed(walk.wf)


def test_task_views_carry_lane_form_and_due_date():
    walk = Walk()
    view = walk.ready()[0]
    assert (view.name, view.lane, view.form_key) == (
        "prepare_charter",
        "Project Manager",
        "project_charter",
    )
    assert view.due is not None and view.stage == STAGES[0]
    walk.do("prepare_charter")
    view = walk.ready()[0]
    assert view.gate == "Gate 1 – Business case" and view.process_id == "gate_review"
    walk.do("submit_gate_package")
    walk.do("check_gate_readiness", readiness_passed=True)
    walk.do("decide_gate", decision="go")
    (view,) = walk.ready()
    assert view.name == "prepare_project_plan" and view.gate is None


def test_scoring_resumes_in_a_fresh_process_with_freshly_parsed_specs():
    """State is stored without the spec; a new process parses its own. Multi-instance scoring
    must still merge back (SpiffWorkflow wires that up on the spec at run time)."""
    from webapp.engine import state
    from webapp.engine.specs import parse_bundle

    from .walk import bundle

    walk = Walk()
    _to_gate(walk, 1)
    walk.gate("go")
    _to_gate(walk, 2)
    walk.do("submit_gate_package")
    walk.do("check_gate_readiness", readiness_passed=True)
    text = state.dumps(walk.wf)
    fresh = parse_bundle(bundle().files)
    walk.wf = state.loads(text, *fresh.spec("project_lifecycle"))
    (scoring,) = [v for v in walk.ready() if v.name == "score_gate"]
    runner.complete(walk.wf, scoring.id, {"recommendation": "go"})
    assert walk.names() == ["decide_gate"]
    (decide,) = walk.ready()
    assert runner.task_data(walk.wf, decide.id)["gatekeepers"] == ["finance"]
    walk.do("decide_gate", decision="go")
    assert walk.stage() == STAGES[2]
