"""The `tollgate` command line through Flask's CLI runner, on the test database."""

import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from tests.factories import complete
from tests.factories import open_task
from tests.factories import open_tasks
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import HumanTask
from webapp.models import ProcessVersion
from webapp.models import Project
from webapp.models import User
from webapp.models import WorkflowInstance
from webapp.services.users import user_for_token

BAD_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_bad" targetNamespace="urn:test">
  <bpmn:process id="bad_process" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="fill_mystery_form" name="Fill the mystery form"
        camunda:formKey="no_such_form" />
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="flow_1" sourceRef="start" targetRef="fill_mystery_form" />
    <bpmn:sequenceFlow id="flow_2" sourceRef="fill_mystery_form" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _user(username) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


# -- deploy -----------------------------------------------------------------------------------


def test_deploy_prints_the_version_then_unchanged(ctx, cli):
    first = cli.invoke(args=["deploy"])
    assert first.exit_code == 0, first.output
    version = db.session.scalar(select(ProcessVersion))
    assert f"Deployed version {version.id} ({version.content_hash[:12]})" in first.output
    assert "3 files" in first.output and "project_lifecycle" in first.output

    second = cli.invoke(args=["deploy"])
    assert second.exit_code == 0, second.output
    assert f"Unchanged: identical to version {version.id}" in second.output
    assert _count(ProcessVersion) == 1


def test_deploy_refuses_an_invalid_bpmn_naming_file_and_element(ctx, cli, tmp_path):
    path = tmp_path / "bad_process.bpmn"
    path.write_text(BAD_BPMN)

    result = cli.invoke(args=["deploy", str(path)])

    assert result.exit_code == 1
    assert "Deploy refused" in result.stderr and "nothing was stored" in result.stderr
    assert "bad_process.bpmn" in result.stderr
    assert "fill_mystery_form" in result.stderr
    assert "no_such_form" in result.stderr
    assert _count(ProcessVersion) == 0
    assert db.session.scalar(select(AuditEvent).filter_by(action="deploy")) is None


def test_deploy_of_a_missing_path_is_an_error(ctx, cli, tmp_path):
    result = cli.invoke(args=["deploy", str(tmp_path / "nowhere")])

    assert result.exit_code == 1
    assert "no such file or folder" in result.output
    assert _count(ProcessVersion) == 0


# -- users add --------------------------------------------------------------------------------


def test_users_add_with_roles_email_and_password(ctx, cli):
    result = cli.invoke(
        args=[
            "users",
            "add",
            "kim",
            "--role",
            "pm",
            "--role",
            "Sponsor",
            "--email",
            "kim@example.org",
            "--name",
            "Kim Lee",
            "--password",
            "s3cret-enough",
        ]
    )

    assert result.exit_code == 0, result.output
    assert "Added kim (pm, sponsor; password login)" in result.output
    user = _user("kim")
    assert user.roles == {"pm", "sponsor"}
    assert user.display_name == "Kim Lee" and user.email == "kim@example.org"
    assert user.check_password("s3cret-enough")


def test_users_add_refuses_an_unknown_role(ctx, cli):
    result = cli.invoke(args=["users", "add", "kim", "--role", "wizard", "--password", "x"])

    assert result.exit_code == 1
    assert "unknown role 'wizard'" in result.output
    assert _user("kim") is None


def test_users_add_refuses_a_duplicate(ctx, cli):
    first = cli.invoke(args=["users", "add", "kim", "--role", "pm", "--password", "x"])
    assert first.exit_code == 0, first.output

    result = cli.invoke(args=["users", "add", "kim", "--role", "pmo", "--password", "y"])

    assert result.exit_code == 1
    assert "user 'kim' already exists" in result.output
    assert _user("kim").roles == {"pm"}


def test_users_add_without_password_or_terminal_creates_a_token_only_account(ctx, cli):
    # The runner's stdin is not a terminal: no prompt, no waiting for input.
    result = cli.invoke(args=["users", "add", "robot", "--role", "pmo"], input="")

    assert result.exit_code == 0, result.output
    assert "token access only" in result.output
    assert "Password" not in result.output
    assert _user("robot").password_hash is None


def test_users_add_requires_a_role(ctx, cli):
    result = cli.invoke(args=["users", "add", "kim"])

    assert result.exit_code == 2
    assert "--role" in result.output


# -- token ------------------------------------------------------------------------------------


def test_token_prints_a_token_that_authenticates(ctx, cli):
    cli.invoke(args=["users", "add", "robot", "--role", "pmo"])

    result = cli.invoke(args=["token", "robot", "--name", "ci"])

    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("tg_") and "\n" not in token
    assert user_for_token(token).username == "robot"
    assert user_for_token(token + "x") is None


def test_token_for_an_unknown_user_is_an_error(ctx, cli):
    result = cli.invoke(args=["token", "nobody"])

    assert result.exit_code == 1
    assert "unknown user 'nobody'" in result.output


# -- worker -----------------------------------------------------------------------------------


def test_worker_once_fires_a_due_timer(people, library, cli):
    project = start_project()
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    open_task(project, "decide_gate")
    instance = db.session.scalar(select(WorkflowInstance).filter_by(project_id=project.id))
    due = instance.next_timer_at
    assert due is not None  # the decision's 10-day escalation timer

    early = cli.invoke(args=["worker", "--once"])
    assert early.exit_code == 0 and "advanced 0 instance(s)" in early.output

    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        result = cli.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "advanced 1 instance(s)" in result.output
    db.session.expire_all()
    names = [row.task_name for row in open_tasks(project)]
    assert "escalate_overdue_decision" in names and "decide_gate" not in names
    assert db.session.scalar(select(AuditEvent).filter_by(action="timer_fired")) is not None


# -- check ------------------------------------------------------------------------------------


@pytest.fixture
def running_project(people, library):
    project = start_project()
    complete(project, "prepare_charter")
    return project


def test_check_passes_when_inbox_and_workflows_agree(running_project, cli):
    result = cli.invoke(args=["check"])

    assert result.exit_code == 0, result.output
    assert "inbox and workflows agree" in result.output


def test_check_fails_listing_a_ready_task_missing_from_the_inbox(running_project, cli):
    row = open_task(running_project, "submit_gate_package")
    instance_id, task_id = row.instance_id, row.task_id
    # Closed behind the workflow's back (audit rows keep the row itself from being deleted).
    db.session.execute(update(HumanTask).filter_by(id=row.id).values(status="completed"))
    db.session.commit()

    result = cli.invoke(args=["check"])

    assert result.exit_code == 1
    assert (
        f"instance {instance_id} task {task_id}: READY but missing from the inbox" in result.stderr
    )
    assert "agree" not in result.output


def test_check_fails_listing_an_inbox_row_with_no_ready_task(running_project, cli):
    done = db.session.scalar(
        select(HumanTask).filter_by(project_id=running_project.id, task_name="prepare_charter")
    )
    stray_id = "00000000-0000-4000-8000-000000000001"
    db.session.add(
        HumanTask(
            instance_id=done.instance_id,
            project_id=running_project.id,
            task_id=stray_id,
            task_name="ghost",
            title="Ghost task",
            process_id="project_lifecycle",
        )
    )
    db.session.commit()

    result = cli.invoke(args=["check"])

    assert result.exit_code == 1
    assert (
        f"instance {done.instance_id} task {stray_id}: open in the inbox but not READY"
        in result.stderr
    )


# -- demo -------------------------------------------------------------------------------------


def test_demo_seeds_users_and_projects_once_and_stays_consistent(ctx, cli):
    first = cli.invoke(args=["demo", "--no-serve"])

    assert first.exit_code == 0, first.output
    assert "Deployed process library version" in first.output
    assert "Users: 10 created" in first.output
    assert "password 'tollgate'" in first.output
    projects = db.session.scalars(select(Project)).all()
    assert len(projects) >= 12
    statuses = {p.status for p in projects}
    assert {"active", "on_hold", "killed"} <= statuses
    assert len({p.stage for p in projects}) >= 4
    assert {p.lifecycle for p in projects} == {"project_lifecycle", "light_lifecycle"}
    for role in ("pm", "sponsor", "pmo", "ccb", "finance", "portfolio", "designer", "admin"):
        assert any(role in u.roles for u in db.session.scalars(select(User))), role
    assert _user("olivia").check_password("tollgate")
    tasks_before = _count(HumanTask)

    second = cli.invoke(args=["demo", "--no-serve"])

    assert second.exit_code == 0, second.output
    assert "Process library unchanged" in second.output
    assert "Users: 0 created, 10 already present" in second.output
    assert "none added" in second.output
    assert _count(Project) == len(projects) and _count(HumanTask) == tasks_before
    assert _count(ProcessVersion) == 1

    check = cli.invoke(args=["check"])
    assert check.exit_code == 0, check.output + check.stderr


def test_demo_covers_the_gate_outcomes(ctx, cli):
    from webapp.models import GateCondition
    from webapp.models import GateDecision

    assert cli.invoke(args=["demo", "--no-serve"]).exit_code == 0

    decisions = {d.decision for d in db.session.scalars(select(GateDecision))}
    assert decisions == {"go", "conditional_go", "hold", "recycle", "kill"}
    conditions = db.session.scalars(select(GateCondition)).all()
    assert {c.status for c in conditions} == {"open", "closed"}
    open_names = {
        row.task_name for row in db.session.scalars(select(HumanTask).filter_by(status="open"))
    }
    assert {
        "prepare_charter",
        "check_gate_readiness",
        "decide_gate",
        "score_gate",
        "resume_gate",
        "complete_delivery",
    } <= open_names
    # One project waits at the benefits review timer in Closure.
    waiting = db.session.scalars(
        select(WorkflowInstance).where(WorkflowInstance.next_timer_at.is_not(None))
    ).all()
    assert any(db.session.get(Project, i.project_id).stage == "Stage 4 – Closure" for i in waiting)


# -- bench ------------------------------------------------------------------------------------


def test_bench_smoke(ctx, library):
    from tests.benchmarks.lifecycle import run_benchmark

    started = time.perf_counter()
    table = run_benchmark(rounds=1, others=2)

    assert "Gate 1 decision" in table and "Gate 4 decision" in table
    assert "service / bare" in table
    assert time.perf_counter() - started < 30
