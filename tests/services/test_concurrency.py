"""Two people completing the same task at once: exactly one wins, the other gets a conflict."""

import threading

from sqlalchemy import select

from tests.factories import FORM_DATA
from tests.factories import open_task
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import HumanTask
from webapp.models import User
from webapp.services import instances
from webapp.services import tasks
from webapp.services.consistency import check_inbox
from webapp.services.errors import ConcurrentUpdate


def _race(app, monkeypatch, func):
    """Run func twice in parallel sessions; both load before either saves."""
    barrier = threading.Barrier(2, timeout=10)
    original = instances.save_workflow

    def save_after_both_loaded(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks, "save_workflow", save_after_both_loaded)
    results = []

    def worker():
        with app.app_context():
            try:
                results.append(func())
            except ConcurrentUpdate as exc:
                results.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return results


def test_second_completion_of_the_same_task_is_rejected(ctx, people, library, monkeypatch):
    project = start_project()
    row_id = open_task(project, "prepare_charter").id
    pm_id = people["pat"].id
    db.session.remove()

    def complete():
        actor = db.session.get(User, pm_id)
        return tasks.complete_task(row_id, dict(FORM_DATA["project_charter"]), actor)

    results = _race(ctx, monkeypatch, complete)
    conflicts = [r for r in results if isinstance(r, ConcurrentUpdate)]
    assert len(results) == 2 and len(conflicts) == 1, results
    assert "changed by someone else" in conflicts[0].message
    row = db.session.get(HumanTask, row_id)
    assert row.status == "completed"
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("task_completed") == 1
    assert actions.count("conflict_rejected") == 1
    assert [
        r.task_name for r in db.session.scalars(select(HumanTask).filter_by(status="open"))
    ] == ["submit_gate_package"]
    assert check_inbox() == []


def test_two_workers_fire_a_due_timer_once(ctx, people, library):
    from datetime import timedelta

    import time_machine

    from tests.factories import complete
    from webapp.models import WorkflowInstance
    from webapp.services.timers import run_due_timers

    project = start_project()
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    instance = db.session.scalar(select(WorkflowInstance))
    due = instance.next_timer_at + timedelta(seconds=1)
    db.session.remove()
    fired = []

    def worker(barrier):
        with ctx.app_context():
            barrier.wait()
            fired.append(run_due_timers(now=due))
            db.session.remove()

    with time_machine.travel(due, tick=False):
        barrier = threading.Barrier(2, timeout=10)
        threads = [threading.Thread(target=worker, args=(barrier,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
    assert sorted(fired) == [0, 1]
    assert list(db.session.scalars(select(AuditEvent.action))).count("timer_fired") == 1
    assert [
        r.task_name for r in db.session.scalars(select(HumanTask).filter_by(status="open"))
    ] == ["escalate_overdue_decision"]
    assert check_inbox() == []


def test_a_failing_timer_is_postponed_and_does_not_block_healthy_ones(ctx, people, library):
    from datetime import timedelta

    from tests.factories import complete
    from webapp.engine import runner
    from webapp.models import WorkflowInstance
    from webapp.services import timers

    broken, healthy = start_project(code="BRK-1"), start_project(code="OK-1")
    for project in (broken, healthy):
        complete(project, "prepare_charter")
        complete(project, "submit_gate_package")
        complete(project, "check_gate_readiness")
    instances = {i.project_id: i for i in db.session.scalars(select(WorkflowInstance))}
    due = max(i.next_timer_at for i in instances.values()) + timedelta(seconds=1)
    real_fire = runner.fire_due_timers

    def fire(workflow):
        ready = runner.ready_task_ids(workflow)[0]
        if runner.task_data(workflow, ready)["project_code"] == "BRK-1":
            raise ZeroDivisionError("division by zero in a BPMN script")
        return real_fire(workflow)

    import unittest.mock

    import time_machine

    with (
        unittest.mock.patch.object(timers.runner, "fire_due_timers", fire),
        time_machine.travel(due, tick=False),
    ):
        assert timers.run_due_timers(now=due, limit=1) in (0, 1)
        assert timers.run_due_timers(now=due, limit=1) in (0, 1)
    db.session.expire_all()
    broken_row = db.session.get(WorkflowInstance, instances[broken.id].id)
    assert broken_row.next_timer_at >= due + timers.RETRY_AFTER - timedelta(seconds=1)
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("timer_failed") == 1 and actions.count("timer_fired") == 1
    assert [
        r.task_name
        for r in db.session.scalars(
            select(HumanTask).filter_by(project_id=healthy.id, status="open")
        )
    ] == ["escalate_overdue_decision"]
