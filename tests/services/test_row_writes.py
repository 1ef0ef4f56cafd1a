"""The completion's rows are written as Core statements: the objects a session holds must stay
what the database says, a stale version must still be refused, and nothing may be left for a
flush to write a second time."""

import pytest
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import FORM_DATA
from tests.factories import open_task
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.models import Project
from webapp.models import WorkflowInstance
from webapp.services import tasks
from webapp.services.row_writes import update_row


def _verb_and_table(sql: str) -> str:
    words = sql.split()
    return f"{words[0]} {words[2] if words[0] == 'INSERT' else words[1]}"


def _in_database(obj, *names):
    """Columns of the object's row as the database has them, read past the session."""
    table = obj.__table__
    with db.engine.connect() as other:
        row = other.execute(select(*(table.c[n] for n in names)).where(table.c.id == obj.id)).one()
    return row[0] if len(names) == 1 else tuple(row)


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


def test_update_row_refuses_a_version_another_transaction_replaced(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    loaded = row.lock_version
    with db.engine.connect() as other:  # another connection commits its change first
        other.execute(
            HumanTask.__table__.update()
            .where(HumanTask.__table__.c.id == row.id)
            .values(lock_version=loaded + 1, title="Changed elsewhere")
        )
        other.commit()

    with pytest.raises(StaleDataError, match=f"human_task {row.id}"):
        update_row(row, status="completed")
    db.session.rollback()
    assert db.session.get(HumanTask, row.id).title == "Changed elsewhere"


def test_pending_orm_changes_are_written_before_the_statement(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    project.description = "Set through the ORM, not flushed yet"

    update_row(row, title="Renamed")
    db.session.commit()

    assert _in_database(project, "description") == "Set through the ORM, not flushed yet"


def test_savepoints_are_refused(ctx, people, library):
    project = start_project()
    row = open_task(project, "prepare_charter")
    with db.session.begin_nested():
        with pytest.raises(RuntimeError, match="savepoints"):
            update_row(row, title="Renamed")


def test_rows_inserted_by_a_rolled_back_completion_leave_the_session(
    ctx, people, library, monkeypatch
):
    from webapp.services import gates

    project = start_project()
    row = open_task(project, "prepare_charter")
    real = gates.apply_completion

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(gates, "apply_completion", real)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(gates, "apply_completion", fail_once)
    with pytest.raises(RuntimeError) as failed:  # the traceback keeps the new row object alive
        tasks.complete_task(row.id, dict(FORM_DATA["project_charter"]), people["pat"])
    assert [o for o in db.session if isinstance(o, HumanTask) and o.id != row.id] == []

    completion = tasks.complete_task(row.id, dict(FORM_DATA["project_charter"]), people["pat"])
    assert [t.task_name for t in completion.next_tasks] == ["submit_gate_package"]
    assert failed.value is not None


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
    assert _in_database(db.session.get(Project, project.id), "stage") == "Stage 2 – Planning"
    db.session.expire_all()
    (plan,) = db.session.scalars(select(HumanTask).filter_by(task_name="prepare_project_plan"))
    assert [(c.user_id, c.role) for c in plan.candidates] == [(people["pat"].id, None)]


def test_conditions_and_a_hold_reach_the_database(ctx, people, library):
    from tests.factories import complete
    from tests.factories import pass_gate
    from webapp.models import GateCondition

    project = start_project()
    complete(project, "prepare_charter")
    pass_gate(
        project,
        "conditional_go",
        conditions=[{"description": "Sign the contract", "owner": "fin", "due_date": "2027-03-01"}],
    )
    with db.engine.connect() as other:
        conditions = other.execute(select(GateCondition.__table__)).mappings().all()
    assert [(c["description"], c["owner_id"], c["status"]) for c in conditions] == [
        ("Sign the contract", people["fin"].id, "open")
    ]
    complete(project, "prepare_project_plan")
    pass_gate(project, "hold")
    assert project.status == "on_hold"
    assert _in_database(project, "status", "stage") == ("on_hold", "Stage 2 – Planning")


def test_every_object_in_the_session_matches_its_row_through_a_lifecycle(ctx, people, library):
    """After each step, every loaded column of every object the session holds is what the
    database has: no step leaves the session believing something that was not written."""
    from tests.factories import complete
    from tests.factories import pass_gate
    from webapp.services.gates import close_condition

    project = start_project()
    steps = [
        lambda: complete(project, "prepare_charter"),
        lambda: pass_gate(
            project,
            "conditional_go",
            conditions=[{"description": "Budget", "owner": "fin", "due_date": "2027-03-01"}],
        ),
        lambda: close_condition(_open_condition_id(project), people["fin"], "done"),
        lambda: complete(project, "prepare_project_plan"),
        lambda: pass_gate(project, "hold"),
        lambda: complete(project, "resume_gate"),
        lambda: complete(project, "decide_gate", decision="recycle", rationale="Rework it"),
        lambda: complete(project, "prepare_project_plan"),
        lambda: pass_gate(project, "kill"),
        lambda: complete(project, "record_closure"),
    ]
    for index, step in enumerate(steps):
        step()
        assert _session_versus_database() == [], f"after step {index}"


def _open_condition_id(project):
    from webapp.models import GateCondition

    return db.session.scalar(
        select(GateCondition.id).filter_by(project_id=project.id, status="open")
    )


def _session_versus_database():
    differences = []
    with db.engine.connect() as other:
        for obj in list(db.session.identity_map.values()):
            state = sa_inspect(obj)
            if state.expired or state.deleted:
                continue
            table = state.mapper.local_table
            columns = [c for c in state.mapper.column_attrs if c.key in state.dict]
            key = state.mapper.primary_key
            where = [col == state.identity[i] for i, col in enumerate(key)]
            row = other.execute(
                select(*(table.c[c.columns[0].name] for c in columns)).where(*where)
            ).one_or_none()
            if row is None:
                differences.append(f"{state.class_.__name__} {state.identity}: no row")
                continue
            for attr, value in zip(columns, row, strict=True):
                if state.dict[attr.key] != value:
                    differences.append(
                        f"{state.class_.__name__} {state.identity}.{attr.key}: "
                        f"session {state.dict[attr.key]!r}, database {value!r}"
                    )
    return differences
