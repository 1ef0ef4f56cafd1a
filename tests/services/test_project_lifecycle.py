"""The lifecycle through the services and a real database: rows, stage, status, audit."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import complete
from tests.factories import open_task
from tests.factories import open_tasks
from tests.factories import pass_gate
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import GateDecision
from webapp.models import StageHistory
from webapp.models import WorkflowInstance
from webapp.services.consistency import check_inbox
from webapp.services.errors import ValidationFailed
from webapp.services.gates import close_condition
from webapp.services.gates import gate_scores
from webapp.services.timers import run_due_timers


@pytest.fixture
def project(people, library):
    return start_project()


def _actions(project):
    return [
        e.action
        for e in db.session.scalars(
            select(AuditEvent).filter_by(project_id=project.id).order_by(AuditEvent.id)
        )
    ]


def test_start_creates_instance_inbox_row_stage_and_audit(project, people):
    assert project.stage == "Stage 1 – Initiation" and project.status == "active"
    row = open_task(project, "prepare_charter")
    assert row.assignee_id == people["pat"].id and row.form_key == "project_charter"
    assert row.due_at is not None
    assert _actions(project)[:3] == ["project_started", "task_created", "stage_changed"] or set(
        _actions(project)
    ) >= {"project_started", "task_created", "stage_changed"}
    assert check_inbox() == []


def test_go_through_every_gate_to_benefits_review(project, people):
    complete(project, "prepare_charter")
    completion = complete(project, "submit_gate_package")
    assert "Check gate readiness sent to PMO" in completion.message
    complete(project, "check_gate_readiness")
    decision = complete(project, "decide_gate", decision="go")
    assert "Prepare project plan sent to Pat Manager" in decision.message
    assert project.stage == "Stage 2 – Planning"
    complete(project, "prepare_project_plan")
    pass_gate(project, "go")
    assert project.stage == "Stage 3 – Execution"
    complete(project, "mobilise_delivery")
    pass_gate(project, "go")
    complete(project, "complete_delivery")
    pass_gate(project, "go")
    assert project.stage == "Stage 4 – Closure"
    complete(project, "capture_lessons_learned")
    assert open_tasks(project) == []
    instance = db.session.scalar(select(WorkflowInstance).filter_by(project_id=project.id))
    assert instance.next_timer_at is not None
    assert run_due_timers() == 0  # not due yet
    with time_machine.travel(instance.next_timer_at + timedelta(seconds=1), tick=False):
        assert run_due_timers() == 1
    assert [r.task_name for r in open_tasks(project)] == ["review_benefits"]
    complete(project, "review_benefits")
    db.session.refresh(project)
    assert project.status == "closed"
    decisions = db.session.scalars(select(GateDecision).filter_by(project_id=project.id)).all()
    assert [d.gate_key for d in decisions] == ["gate_1", "gate_2", "gate_3", "gate_4"]
    history = db.session.scalars(
        select(StageHistory).filter_by(project_id=project.id).order_by(StageHistory.id)
    ).all()
    assert [h.stage for h in history] == [
        "Stage 1 – Initiation",
        "Stage 2 – Planning",
        "Stage 3 – Execution",
        "Stage 4 – Closure",
    ]
    assert all(h.left_at for h in history[:-1])
    assert {"timer_fired", "gate_decision", "task_completed", "project_closed"} <= set(
        _actions(project)
    )
    assert check_inbox() == []


def test_each_gatekeeper_scoring_is_a_gate_score_row(project, people):
    complete(project, "prepare_charter")
    pass_gate(project, "go")
    complete(project, "prepare_project_plan")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    (score_task,) = [r for r in open_tasks(project) if r.task_name == "score_gate"]
    complete(
        project,
        "score_gate",
        strategic_fit=5,
        business_value=4,
        risk=2,
        feasibility=3,
        recommendation="conditional_go",
        comment="Contingency is thin",
    )

    (score,) = gate_scores(project.id)
    assert (score.gate_key, score.gate_title) == ("gate_2", "Gate 2 – Plan approval")
    assert score.scored_by.username == "fin" and score.human_task_id == score_task.id
    assert score.scores == {"strategic_fit": 5, "business_value": 4, "risk": 2, "feasibility": 3}
    assert score.score_total == 3.7  # 5*.3 + 4*.3 + 2*.2 + 3*.2
    assert (score.recommendation, score.comment) == ("conditional_go", "Contingency is thin")
    assert gate_scores(project.id, "gate_1") == []


def test_conditional_go_condition_blocks_next_gate_until_closed(project, people):
    complete(project, "prepare_charter")
    pass_gate(
        project,
        "conditional_go",
        conditions=[
            {"description": "Confirm vendor pricing", "owner": "fin", "due_date": "2027-02-01"}
        ],
    )
    assert project.stage == "Stage 2 – Planning"
    decision = db.session.scalar(select(GateDecision).filter_by(project_id=project.id))
    assert decision.decision == "conditional_go" and len(decision.conditions) == 1
    complete(project, "prepare_project_plan")
    with pytest.raises(ValidationFailed) as refused:
        pass_gate(project, "go")
    assert "Confirm vendor pricing" in refused.value.message
    assert open_task(project, "decide_gate")  # nothing was half-saved: still waiting
    close_condition(decision.conditions[0].id, people["fin"], note="Signed")
    complete(project, "decide_gate", decision="go")
    assert project.stage == "Stage 3 – Execution"


def test_conditional_go_needs_a_known_owner(project):
    complete(project, "prepare_charter")
    with pytest.raises(ValidationFailed) as refused:
        pass_gate(
            project,
            "conditional_go",
            conditions=[{"description": "x", "owner": "nobody", "due_date": "2027-02-01"}],
        )
    assert "unknown user 'nobody'" in refused.value.message


def test_hold_sets_on_hold_until_resumed(project, people):
    complete(project, "prepare_charter")
    pass_gate(project, "hold")
    assert project.status == "on_hold"
    row = open_task(project, "resume_gate")
    # sponsor (a person) and the PMO queue may both resume
    assert {c.user_id for c in row.candidates if c.user_id} == {people["sam"].id}
    assert {c.role for c in row.candidates if c.role} == {"pmo"}
    complete(project, "resume_gate", user=people["gwen"])
    assert project.status == "active"
    complete(project, "decide_gate", decision="go")
    assert project.stage == "Stage 2 – Planning"


def test_recycle_then_go(project):
    complete(project, "prepare_charter")
    pass_gate(project, "recycle")
    assert project.stage == "Stage 1 – Initiation" and project.status == "active"
    complete(project, "prepare_charter")
    pass_gate(project, "go")
    assert project.stage == "Stage 2 – Planning"


def test_kill_ends_with_a_closure_record(project):
    complete(project, "prepare_charter")
    pass_gate(project, "kill")
    assert project.status == "killed"
    complete(project, "record_closure")
    assert open_tasks(project) == []
    instance = db.session.scalar(select(WorkflowInstance).filter_by(project_id=project.id))
    assert instance.status == "completed"
    db.session.refresh(project)
    assert project.status == "killed"


def test_light_lifecycle_by_process_id(people, library):
    project = start_project(code="LITE-1", lifecycle="light_lifecycle")
    assert project.lifecycle == "light_lifecycle"
    complete(project, "prepare_charter")
    pass_gate(project, "go")
    assert project.stage == "Stage 2 – Delivery"


def test_unknown_lifecycle_is_refused_and_nothing_saved(people, library):
    from webapp.models import Project

    with pytest.raises(ValidationFailed) as refused:
        start_project(code="X-1", lifecycle="gate_review")
    assert "not a project lifecycle" in refused.value.message
    assert db.session.scalar(select(Project.id)) is None


def test_invalid_form_data_names_the_field_and_saves_nothing(project):
    from webapp.services.tasks import complete_task

    row = open_task(project, "prepare_charter")
    with pytest.raises(ValidationFailed) as refused:
        complete_task(row.id, {"objectives": "", "scope": "s", "business_case": "b"}, row.assignee)
    assert "objectives" in refused.value.by_field()
    assert open_task(project, "prepare_charter").id == row.id


def test_a_save_near_the_depth_limit_is_refused_and_nothing_saved(project, monkeypatch):
    from webapp.engine import runner
    from webapp.services.errors import InvalidTransition

    before = db.session.scalar(select(WorkflowInstance)).lock_version
    monkeypatch.setattr(runner, "MAX_TREE_DEPTH", 6)
    with pytest.raises(InvalidTransition, match="task tree is .* levels deep"):
        complete(project, "prepare_charter")
    assert db.session.scalar(select(WorkflowInstance)).lock_version == before
    assert open_task(project, "prepare_charter")


def test_work_for_a_deactivated_sponsor_goes_to_the_pmo_queue_and_can_be_reassigned(
    project, people
):
    from webapp.services.tasks import reassign_task
    from webapp.services.users import set_active

    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    set_active(people["sam"].id, False, people["ada"])
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    assert row.assignee_id is None and [c.role for c in row.candidates] == ["pmo"]
    reassign_task(row.id, "sue", people["gwen"])
    row = open_task(project, "decide_gate")
    assert row.assignee.username == "sue"
    complete(project, "decide_gate", user=people["sue"], decision="go")
    assert project.stage == "Stage 2 – Planning"
