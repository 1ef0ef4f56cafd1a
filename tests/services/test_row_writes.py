"""The completion's rows are written as Core statements: the objects a session holds must stay
what the database says, a stale version must still be refused, and nothing may be left for a
flush to write a second time."""

import pytest
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import FORM_DATA
from tests.factories import open_task
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.models import Project
from webapp.models import TaskCandidate
from webapp.models import WorkflowInstance
from webapp.services import tasks
from webapp.services.row_writes import update_row


def _verb_and_table(sql: str) -> str:
    words = sql.split()
    return f"{words[0]} {words[2] if words[0] == 'INSERT' else words[1]}"


def _statements():
    seen = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


def test_update_row_bumps_the_version_and_leaves_nothing_dirty(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    before = row.lock_version

    update_row(row, title="Renamed charter")

    assert row.lock_version == before + 1 and row.title == "Renamed charter"
    assert row not in db.session.dirty
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(HumanTask, row.id).title == "Renamed charter"


def test_update_row_refuses_a_version_someone_else_replaced(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    db.session.execute(  # another transaction saved the row meanwhile
        HumanTask.__table__.update()
        .where(HumanTask.__table__.c.id == row.id)
        .values(lock_version=row.lock_version + 1)
    )

    with pytest.raises(StaleDataError, match=f"human_task {row.id}"):
        update_row(row, status="completed")


def test_changing_a_foreign_key_reloads_its_relationship(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    assert row.assignee.username == "pat"

    update_row(row, assignee_id=people["max"].id)

    assert row.assignee.username == "max"


def test_a_completion_keeps_the_session_true_to_the_database(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")

    completion = tasks.complete_task(row.id, dict(FORM_DATA["project_charter"]), people["pat"])

    # The same session, without expiring anything, reads what was committed.
    assert db.session.get(HumanTask, row.id) is row
    assert row.status == "completed" and row.completed_by.username == "pat"
    assert row.claimed_by_id == people["pat"].id and row.claimed_at is not None
    [opened] = completion.next_tasks
    assert db.session.get(HumanTask, opened.id) is opened
    assert opened.task_name == "submit_gate_package" and opened.assignee.username == "pat"
    assert [c.user_id for c in opened.candidates] == [people["pat"].id]  # loaded on access
    instance = db.session.get(WorkflowInstance, row.instance_id)
    committed = (
        db.session.connection()
        .execute(
            select(
                WorkflowInstance.__table__.c.lock_version, WorkflowInstance.__table__.c.state
            ).where(WorkflowInstance.__table__.c.id == instance.id)
        )
        .one()
    )
    assert (instance.lock_version, instance.state) == tuple(committed)
    assert not db.session.dirty and not db.session.new


def test_a_gate_decision_is_one_statement_per_row_and_no_flush(ctx, people, library):
    from tests.factories import complete

    project = start_project()
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    row_id, sponsor = row.id, people["sam"]
    db.session.remove()
    sponsor = db.session.get(type(sponsor), sponsor.id)
    seen = _statements()

    tasks.complete_task(row_id, dict(FORM_DATA["gate_decision"]), sponsor)

    writes = [_verb_and_table(s) for s in seen if not s.lstrip().startswith("SELECT")]
    # workflow state, the decided row, the next stage's first task and its candidate, the stage
    # history (close + open), the project's stage, the gate decision, the audit events.
    assert sorted(writes) == sorted(
        [
            "UPDATE workflow_instance",
            "UPDATE human_task",
            "INSERT human_task",
            "INSERT task_candidate",
            "UPDATE stage_history",
            "INSERT stage_history",
            "UPDATE project",
            "INSERT gate_decision",
            "INSERT audit_event",
        ]
    ), seen
    assert db.session.get(Project, project.id).stage == "Stage 2 – Planning"
    assert db.session.scalars(select(TaskCandidate).filter_by(human_task_id=row_id)).all()
