"""The task page: context, prefilled form, completing, and its 403/404/409/422 answers."""

import re

import pytest
from sqlalchemy import select

from tests.factories import FORM_DATA
from tests.factories import complete
from tests.factories import make_user
from tests.factories import open_task
from tests.factories import open_tasks
from tests.factories import pass_gate
from tests.factories import start_project
from tests.factories import worker_for
from tests.web.helpers import login_ok
from tests.web.helpers import text
from tests.web.helpers import textarea_value
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import GateCondition
from webapp.models import GateDecision
from webapp.services import tasks
from webapp.services.errors import ConcurrentUpdate

CHARTER = {
    "objectives": "Replace the legacy billing platform",
    "scope": "Billing and invoicing",
    "business_case": "Saves 1.2M a year",
    "estimated_cost": "450000",
}
READINESS = {
    name: "y"
    for name in (
        "package_complete",
        "strategic_alignment",
        "risks_assessed",
        "funding_available",
        "readiness_passed",
    )
}
SCORES = {"strategic_fit": "4", "business_value": "5", "risk": "3", "feasibility": "4"}  # 4.10


@pytest.fixture
def project(people, library):
    from decimal import Decimal

    return start_project(code="PRJ-1", name="Billing renewal", budget=Decimal("250000"))


def at_decision(project):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package", summary="Charter agreed with finance")
    complete(project, "check_gate_readiness")
    return open_task(project, "decide_gate")


def completed_events(row):
    return db.session.scalars(
        select(AuditEvent).filter_by(human_task_id=row.id, action="task_completed")
    ).all()


def test_page_shows_project_context_and_the_form(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    response = client.get(f"/tasks/{row.id}")
    assert response.status_code == 200
    page = text(response)
    for expected in (
        "PRJ-1",
        "Billing renewal",
        "Stage 1 – Initiation",
        "Pat Manager",
        "Sam Sponsor",
        "250,000.00",
        "No gate decided yet.",
        "No open conditions.",
        "No documents yet.",
        "Objectives",
        "Business case",
        "Complete task",
    ):
        assert expected in page, expected
    assert f'action="/tasks/{row.id}"' in response.get_data(as_text=True)


def test_post_completes_and_flashes_the_next_step(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    response = client.post(f"/tasks/{row.id}", data=CHARTER)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.refresh(row)
    assert row.status == "completed"
    inbox = text(client.get("/"))
    assert "Prepare project charter done." in inbox
    assert "Submit gate package sent to Pat Manager" in inbox


def test_readiness_check_names_the_sponsor_who_decides_next(client, project):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")
    login_ok(client, "gwen")
    page = text(client.get(f"/tasks/{row.id}"))
    assert "Gate package · Gate 1" in page and "Ready for review" in page  # what was submitted
    response = client.post(
        f"/tasks/{row.id}", data={**READINESS, "readiness_comment": "Fine"}, follow_redirects=True
    )
    assert "Decide gate sent to Sam Sponsor" in text(response)


def test_invalid_input_is_422_with_field_errors_and_nothing_saved(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    response = client.post(
        f"/tasks/{row.id}", data={**CHARTER, "objectives": "  ", "estimated_cost": "lots"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'name="objectives".*?invalid-feedback[^>]*>This field is required', html, flags=re.S
    )
    assert 'id="estimated_cost"' in html and "is-invalid" in html
    assert textarea_value(response, "scope") == "Billing and invoicing"  # typing kept
    db.session.refresh(row)
    assert row.status == "open" and completed_events(row) == []


def test_form_is_prefilled_from_workflow_data(client, project):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package", summary="First attempt at the package")
    complete(
        project,
        "check_gate_readiness",
        readiness_passed=False,
        readiness_comment="The risk register is missing",
    )
    row = open_task(project, "submit_gate_package")  # sent back: not ready
    login_ok(client, "pat")
    response = client.get(f"/tasks/{row.id}")
    assert textarea_value(response, "summary") == "First attempt at the package"
    assert re.search(
        r'<input[^>]*checked[^>]*value="business_case"|'
        r'<input[^>]*value="business_case"[^>]*checked',
        response.get_data(as_text=True),
    )


def test_gate_two_decision_shows_scores_but_no_earlier_decision(client, project):
    complete(project, "prepare_charter")
    pass_gate(project, "go")
    complete(project, "prepare_project_plan")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    for scoring in [r for r in open_tasks(project) if r.task_name == "score_gate"]:
        tasks.complete_task(scoring.id, dict(FORM_DATA["gate_score"]), worker_for(scoring))
    row = open_task(project, "decide_gate")
    login_ok(client, "sam")
    response = client.get(f"/tasks/{row.id}")
    page = text(response)
    assert "Gate package · Gate 2" in page and "Gatekeepers' scores" in page
    assert "Finn Finance 4 4 3 4 Go" in page  # the finance gatekeeper's scorecard
    assert "Weighted total (out of 5) —" in page  # the gate 1 scores are not carried over
    assert not re.search(r'<input[^>]*name="decision"[^>]*checked', response.get_data(as_text=True))
    assert "Gate 1 – Business case: Go" in page  # the earlier gate is in the record only


def test_completed_in_between_is_409_and_keeps_the_typing(client, project):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")
    make_user("gil", "pmo", display_name="Gil Governance")
    login_ok(client, "gwen")
    assert client.get(f"/tasks/{row.id}").status_code == 200
    tasks.complete_task(
        row.id,
        {**{k: True for k in READINESS}, "readiness_comment": "ok"},
        db.session.scalar(select_user("gil")),
    )
    response = client.post(
        f"/tasks/{row.id}", data={**READINESS, "readiness_comment": "My careful notes"}
    )
    assert response.status_code == 409
    assert "Someone else completed or claimed this task" in text(response)
    assert "Gil Governance" in text(response)
    assert textarea_value(response, "readiness_comment") == "My careful notes"


def test_claimed_in_between_is_409_too(client, project):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")
    make_user("gil", "pmo", display_name="Gil Governance")
    tasks.claim_task(row.id, db.session.scalar(select_user("gil")))
    login_ok(client, "gwen")
    response = client.post(f"/tasks/{row.id}", data={**READINESS, "readiness_comment": "Mine"})
    assert response.status_code == 409
    assert "claimed by Gil Governance" in text(response)
    assert textarea_value(response, "readiness_comment") == "Mine"


def test_concurrent_update_is_409_with_input_kept(client, project, monkeypatch):
    row = open_task(project, "prepare_charter")

    def lose_the_race(*args, **kwargs):
        raise ConcurrentUpdate("task was changed by someone else while you were working on it")

    monkeypatch.setattr(tasks, "complete_task", lose_the_race)
    login_ok(client, "pat")
    response = client.post(f"/tasks/{row.id}", data=CHARTER)
    assert response.status_code == 409
    assert "Someone else completed or claimed this task" in text(response)
    assert textarea_value(response, "objectives") == CHARTER["objectives"]


def test_opening_a_completed_task_is_409(client, project):
    row = open_task(project, "prepare_charter")
    complete(project, "prepare_charter")
    login_ok(client, "pat")
    response = client.get(f"/tasks/{row.id}")
    assert response.status_code == 409
    assert "already completed by Pat Manager" in text(response)


def test_someone_elses_task_is_403(client, project):
    row = at_decision(project)  # assigned to the sponsor
    login_ok(client, "pat")
    assert client.get(f"/tasks/{row.id}").status_code == 403
    response = client.post(f"/tasks/{row.id}", data={**SCORES, "decision": "go"})
    assert response.status_code == 403
    db.session.refresh(row)
    assert row.status == "open"


def test_unknown_or_invisible_task_is_404(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    assert client.get("/tasks/999999").status_code == 404
    login_ok(client, "max")  # a PM with no role on this project
    assert client.get(f"/tasks/{row.id}").status_code == 404
    assert client.post(f"/tasks/{row.id}", data=CHARTER).status_code == 404


def test_gate_decision_page_shows_package_and_scorecard(client, project):
    row = at_decision(project)
    login_ok(client, "sam")
    response = client.get(f"/tasks/{row.id}")
    page = text(response)
    assert "Gate package · Gate 1 – Business case" in page
    assert "Charter agreed with finance" in page and "Business case" in page
    assert "Risks assessed: met" in page and "Ready for the gate decision." in page
    assert "Strategic fit weight 30% 30%" in page  # the weight moves under the label on phones
    assert "Weighted total (out of 5) —" in page
    html = response.get_data(as_text=True)
    for value in ("go", "conditional_go", "hold", "recycle", "kill"):
        assert re.search(rf'type="radio" name="decision" id="decision-\d" value="{value}"', html)
    assert html.count('name="conditions-') >= 9  # three empty condition rows


def test_conditional_go_without_conditions_is_refused_with_the_total(client, project):
    row = at_decision(project)
    login_ok(client, "sam")
    response = client.post(
        f"/tasks/{row.id}",
        data={**SCORES, "decision": "conditional_go", "rationale": "Only if funded"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "A conditional go needs at least one condition" in page
    assert "Weighted total (out of 5) 4.10" in page
    db.session.refresh(row)
    assert row.status == "open"
    assert db.session.scalar(select(GateDecision.id)) is None


def test_rationale_required_unless_go(client, project):
    row = at_decision(project)
    login_ok(client, "sam")
    response = client.post(f"/tasks/{row.id}", data={**SCORES, "decision": "kill"})
    assert response.status_code == 422
    assert "a rationale is required" in text(response)


def test_unknown_condition_owner_is_shown_on_the_row_typed(client, project):
    row = at_decision(project)
    login_ok(client, "sam")
    blank_rows = {
        f"conditions-{i}-{name}": ""
        for i in (0, 2)
        for name in ("description", "owner", "due_date")
    }
    response = client.post(
        f"/tasks/{row.id}",
        data={  # as a browser posts the three rows
            **SCORES,
            "decision": "conditional_go",
            "rationale": "Only if funded",
            **blank_rows,
            "conditions-1-description": "Secure funding",
            "conditions-1-owner": "nobody",
            "conditions-1-due_date": "2027-01-31",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    owner_row = html[html.index('name="conditions-1-owner"') : html.index('name="conditions-2-')]
    assert "unknown user &#39;nobody&#39;" in owner_row or "unknown user 'nobody'" in owner_row
    assert 'value="Secure funding"' in html


def test_conditional_go_then_close_the_condition(client, project, people):
    row = at_decision(project)
    login_ok(client, "sam")
    response = client.post(
        f"/tasks/{row.id}",
        data={
            **SCORES,
            "decision": "conditional_go",
            "rationale": "Only if funded",
            "conditions-0-description": "Secure funding",
            "conditions-0-owner": "pat",
            "conditions-0-due_date": "2027-01-31",
        },
        follow_redirects=True,
    )
    assert "Prepare project plan sent to Pat Manager" in text(response)
    decision = db.session.scalar(select(GateDecision))
    assert decision.decision == "conditional_go" and decision.score_total == pytest.approx(4.1)
    condition = db.session.scalar(select(GateCondition))
    plan = open_task(project, "prepare_project_plan")

    login_ok(client, "sam")  # the sponsor may see it but not close it
    assert client.post(f"/tasks/{plan.id}/conditions/{condition.id}/close").status_code == 403

    login_ok(client, "pat")
    page = text(client.get(f"/tasks/{plan.id}"))
    assert "Conditional go" in page and "Secure funding" in page and "Close condition" in page
    closed = client.post(
        f"/tasks/{plan.id}/conditions/{condition.id}/close", data={"note": "Budget approved"}
    )
    assert closed.status_code == 302 and closed.headers["Location"] == f"/tasks/{plan.id}"
    db.session.refresh(condition)
    assert condition.status == "closed" and condition.closing_note == "Budget approved"
    after = text(client.get(f"/tasks/{plan.id}"))
    assert "Condition closed: Secure funding" in after and "No open conditions." in after
    again = client.post(f"/tasks/{plan.id}/conditions/{condition.id}/close", follow_redirects=True)
    assert "already closed" in text(again)


def test_condition_of_another_project_is_404_on_this_task(client, project):
    other = start_project(code="PRJ-2")
    row = at_decision(other)
    tasks.complete_task(
        row.id,
        {
            **{k: int(v) for k, v in SCORES.items()},
            "decision": "conditional_go",
            "rationale": "If funded",
            "conditions": [{"description": "Fund it", "owner": "pat", "due_date": "2027-01-31"}],
        },
        db.session.scalar(select_user("sam")),
    )
    condition = db.session.scalar(select(GateCondition))
    mine = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    assert client.post(f"/tasks/{mine.id}/conditions/{condition.id}/close").status_code == 404


def test_go_moves_the_project_to_planning(client, project):
    row = at_decision(project)
    login_ok(client, "sam")
    response = client.post(f"/tasks/{row.id}", data={**SCORES, "decision": "go"})
    assert response.status_code == 302
    db.session.refresh(project)
    assert project.stage == "Stage 2 – Planning"


def select_user(username):
    from webapp.models import User

    return select(User).filter_by(username=username)
