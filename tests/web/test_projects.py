"""Project pages through the test client: list, create, show, diagram."""

import re
from html.parser import HTMLParser

import pytest
from flask import g
from flask import url_for
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.factories import complete
from tests.factories import open_task
from tests.factories import pass_gate
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import Project


def login(client, user):
    """Log a test client in through the login form, as someone else if need be."""
    # The `ctx` fixture's app context is shared by every request of a test, and so is `g`:
    # forget the user Flask-Login cached there by an earlier request.
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()
    with client.application.test_request_context():
        url = url_for("auth.login", next="/projects/")
    response = client.post(url, data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


class _FieldErrors(HTMLParser):
    """Collect Bootstrap `invalid-feedback` texts under the name of the field before them."""

    def __init__(self):
        super().__init__()
        self.errors: dict[str, list[str]] = {}
        self._field = None
        self._in_feedback = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("name"):
            self._field = attrs["name"]
        self._in_feedback = tag == "div" and "invalid-feedback" in (attrs.get("class") or "")

    def handle_data(self, data):
        if self._in_feedback and data.strip():
            self.errors.setdefault(self._field, []).append(data.strip())

    def handle_endtag(self, tag):
        self._in_feedback = False


def field_errors(response) -> dict[str, list[str]]:
    parser = _FieldErrors()
    parser.feed(response.get_data(as_text=True))
    return parser.errors


def codes_listed(response) -> set[str]:
    body = response.get_data(as_text=True)
    return set(re.findall(r'<a href="/projects/\d+">([A-Z0-9_-]+)</a>', body))


def new_project_data(**overrides):
    data = {
        "name": "Billing replacement",
        "code": "prj-9",
        "pm": "pat",
        "sponsor": "sam",
        "budget": "450000",
        "start_date": "2027-01-04",
        "end_date": "2027-12-17",
        "description": "Replace the legacy billing platform",
        "lifecycle": "project_lifecycle",
    }
    data.update(overrides)
    return data


@pytest.fixture
def projects(people, library):
    """PRJ-1 (Pat/Sam) and PRJ-2 (Max/Sue): two PMs who do not see each other's projects."""
    return {
        "PRJ-1": start_project(code="PRJ-1", name="Billing replacement"),
        "PRJ-2": start_project(pm="max", sponsor="sue", code="PRJ-2", name="Warehouse robots"),
    }


# The list


@pytest.mark.parametrize(
    "username, expected",
    [
        ("pat", {"PRJ-1"}),
        ("sam", {"PRJ-1"}),
        ("max", {"PRJ-2"}),
        ("gwen", {"PRJ-1", "PRJ-2"}),
        ("pia", {"PRJ-1", "PRJ-2"}),
        ("ada", {"PRJ-1", "PRJ-2"}),
        ("dee", set()),
    ],
)
def test_list_shows_only_visible_projects(client, people, projects, username, expected):
    login(client, people[username])
    response = client.get("/projects/")
    assert response.status_code == 200
    assert codes_listed(response) == expected


def test_list_search_and_filters(client, people, projects):
    complete(projects["PRJ-1"], "prepare_charter")
    pass_gate(projects["PRJ-1"], "go")
    complete(projects["PRJ-2"], "prepare_charter")
    pass_gate(projects["PRJ-2"], "kill")
    login(client, people["gwen"])
    assert codes_listed(client.get("/projects/?q=prj-2")) == {"PRJ-2"}
    assert codes_listed(client.get("/projects/?q=billing")) == {"PRJ-1"}
    assert codes_listed(client.get("/projects/?q=nothing-like-it")) == set()
    planning = client.get("/projects/", query_string={"stage": "Stage 2 – Planning"})
    assert codes_listed(planning) == {"PRJ-1"}
    assert codes_listed(client.get("/projects/?status=killed")) == {"PRJ-2"}
    assert codes_listed(client.get("/projects/?status=active")) == {"PRJ-1"}
    assert codes_listed(client.get(f"/projects/?pm={people['max'].id}")) == {"PRJ-2"}
    assert codes_listed(client.get(f"/projects/?sponsor={people['sam'].id}")) == {"PRJ-1"}
    combined = client.get(f"/projects/?q=PRJ&pm={people['pat'].id}&status=killed")
    assert codes_listed(combined) == set()
    page = client.get("/projects/?pm=not-a-number").get_data(as_text=True)
    assert "Pat Manager" in page and "Max Other" in page  # the filter choices


def test_list_paginates_and_keeps_filters(client, people):
    for n in range(30):  # plain rows: the list reads the project table only
        db.session.add(
            Project(
                code=f"BULK-{n:02d}",
                name=f"Bulk {n}",
                pm=people["pat"],
                sponsor=people["sam"],
                lifecycle="project_lifecycle",
            )
        )
    db.session.commit()
    login(client, people["pat"])
    first = client.get("/projects/?q=bulk")
    assert len(codes_listed(first)) == 25
    body = first.get_data(as_text=True)
    assert "Page 1 of 2" in body and 'href="/projects/?q=bulk&amp;page=2"' in body
    second = client.get("/projects/?q=bulk&page=2")
    assert codes_listed(second) == {f"BULK-{n:02d}" for n in range(25, 30)}
    assert codes_listed(client.get("/projects/?q=bulk&page=9")) == set()


# Creating a project


def test_new_project_form_offers_people_by_role_and_lifecycles(client, people, library):
    login(client, people["pat"])
    body = client.get("/projects/new").get_data(as_text=True)
    pm_select = re.search(r'<select[^>]*name="pm".*?</select>', body, re.S).group(0)
    assert "Pat Manager" in pm_select and "Max Other" in pm_select
    assert "Sam Sponsor" not in pm_select
    sponsor_select = re.search(r'<select[^>]*name="sponsor".*?</select>', body, re.S).group(0)
    assert "Sam Sponsor" in sponsor_select and "Pat Manager" not in sponsor_select
    assert '<option selected value="project_lifecycle">' in body
    assert 'value="light_lifecycle"' in body


def test_create_project_starts_lifecycle_and_fills_the_pm_inbox(client, people, library):
    login(client, people["pat"])
    response = client.post("/projects/new", data=new_project_data())
    project = db.session.scalar(select(Project).filter_by(code="PRJ-9"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/projects/{project.id}"
    assert project.lifecycle == "project_lifecycle"
    assert project.stage == "Stage 1 – Initiation" and project.status == "active"
    assert str(project.budget) == "450000.00" and project.end_date.isoformat() == "2027-12-17"
    assert open_task(project, "prepare_charter").assignee_id == people["pat"].id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "PRJ-9 started: Prepare project charter sent to Pat Manager" in page


def test_pmo_starts_a_project_for_a_pm(client, people, library):
    login(client, people["gwen"])
    response = client.post("/projects/new", data=new_project_data(code="PMO-1"))
    assert response.status_code == 302
    project = db.session.scalar(select(Project).filter_by(code="PMO-1"))
    assert project.pm_id == people["pat"].id and project.created_by_id == people["gwen"].id


def test_duplicate_code_is_422_on_the_code_field(client, people, projects):
    login(client, people["pat"])
    response = client.post("/projects/new", data=new_project_data(code="prj-1"))
    assert response.status_code == 422
    assert field_errors(response) == {"code": ["project code PRJ-1 is already taken"]}
    assert 'value="Billing replacement"' in response.get_data(as_text=True)  # input kept


@pytest.mark.parametrize(
    "pm, message",
    [
        ("nobody", "unknown user 'nobody'"),
        ("sam", "Sam Sponsor does not have the project manager role"),
    ],
)
def test_unknown_or_ineligible_pm_is_422(client, people, library, pm, message):
    login(client, people["pat"])
    response = client.post("/projects/new", data=new_project_data(pm=pm))
    assert response.status_code == 422
    assert field_errors(response) == {"pm": [message]}
    assert db.session.scalar(select(Project).filter_by(code="PRJ-9")) is None


def test_form_errors_are_422(client, people, library):
    login(client, people["pat"])
    response = client.post(
        "/projects/new", data=new_project_data(name="", budget="-5", end_date="2026-01-01")
    )
    assert response.status_code == 422
    errors = field_errors(response)
    assert set(errors) == {"name", "budget"}  # the form stops before the service's date check
    response = client.post("/projects/new", data=new_project_data(end_date="2026-01-01"))
    assert response.status_code == 422
    assert field_errors(response) == {"end_date": ["the end date is before the start date"]}


@pytest.mark.parametrize("username", ["sam", "fin", "dee"])
def test_only_starters_may_create_projects(client, people, library, username):
    login(client, people[username])
    assert client.get("/projects/new").status_code == 403
    assert client.post("/projects/new", data=new_project_data()).status_code == 403
    assert db.session.scalar(select(Project).filter_by(code="PRJ-9")) is None
    assert "New project" not in client.get("/projects/").get_data(as_text=True)


def test_light_lifecycle_is_selectable(client, people, library):
    login(client, people["pat"])
    response = client.post(
        "/projects/new", data=new_project_data(code="LITE-1", lifecycle="light_lifecycle")
    )
    assert response.status_code == 302
    project = db.session.scalar(select(Project).filter_by(code="LITE-1"))
    assert project.lifecycle == "light_lifecycle"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stage 2 – Delivery" in page and "Stage 2 – Planning" not in page


# The project page


def _stage_items(body: str) -> dict[str, str]:
    """Stage name → passed/current/upcoming, from the stage tracker."""
    return {
        name: state
        for state, name in re.findall(
            r'<li class="tg-stage tg-stage-(\w+)".*?<span class="tg-stage-name">(.*?)</span>',
            body,
            re.S,
        )
    }


def test_project_page_shows_tracker_tasks_and_timeline(client, people, projects):
    login(client, people["pat"])
    response = client.get(f"/projects/{projects['PRJ-1'].id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert _stage_items(body) == {
        "Stage 1 – Initiation": "current",
        "Stage 2 – Planning": "upcoming",
        "Stage 3 – Execution": "upcoming",
        "Stage 4 – Closure": "upcoming",
    }
    assert "Prepare project charter" in body and "With Pat Manager" in body
    assert "PRJ-1 started on Standard project lifecycle" in body
    assert "Prepare project charter assigned to Pat Manager" in body
    assert "No gate decisions yet." in body and "No documents yet" in body
    assert f'data-diagram-url="/projects/{projects["PRJ-1"].id}/diagram"' in body
    assert "camunda-platform-navigated-viewer.production.min.js" in body
    assert "js/project_diagram.js" in body


def test_project_page_shows_queues_decisions_and_conditions(client, people, projects):
    project = projects["PRJ-1"]
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    login(client, people["pat"])
    body = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Check gate readiness" in body and "In the PMO queue" in body
    complete(project, "check_gate_readiness")
    complete(
        project,
        "decide_gate",
        decision="conditional_go",
        rationale="Pricing unclear",
        conditions=[
            {"description": "Confirm vendor pricing", "owner": "fin", "due_date": "2027-02-01"}
        ],
    )
    body = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert _stage_items(body)["Stage 1 – Initiation"] == "passed"
    assert _stage_items(body)["Stage 2 – Planning"] == "current"
    start = body.index('class="tg-stages')
    tracker = body[start : body.index("</ol>", start)]
    assert "Conditional go" in tracker
    assert "Pricing unclear" in body and "Confirm vendor pricing" in body
    assert "Finn Finance, due 2027-02-01" in body and ">Open</span>" in body
    assert "Sam Sponsor" in body and "PRJ-1 entered Stage 2 – Planning" in body


def test_killed_project_shows_its_status(client, people, projects):
    project = projects["PRJ-2"]
    complete(project, "prepare_charter")
    pass_gate(project, "kill")
    login(client, people["max"])
    body = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Killed</span>" in body and "Decided kill" in body


@pytest.mark.parametrize("path", ["/projects/{id}", "/projects/{id}/diagram"])
def test_project_hidden_from_other_users_is_404(client, people, projects, path):
    login(client, people["max"])
    assert client.get(path.format(id=projects["PRJ-1"].id)).status_code == 404
    assert client.get(path.format(id=99999)).status_code == 404
    login(client, people["pia"])
    assert client.get(path.format(id=projects["PRJ-1"].id)).status_code == 200


def test_diagram_json_marks_active_then_completed(client, people, projects):
    project = projects["PRJ-1"]
    login(client, people["pat"])
    response = client.get(f"/projects/{project.id}/diagram")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert 'id="project_lifecycle"' in data["xml"]
    assert "prepare_charter" in data["active"] and "prepare_charter" not in data["completed"]
    assert "start_project" in data["completed"]
    complete(project, "prepare_charter")
    data = client.get(f"/projects/{project.id}/diagram").get_json()
    assert "prepare_charter" in data["completed"] and "prepare_charter" not in data["active"]


def test_unknown_diagram_answers_json_404(client, people, library):
    login(client, people["ada"])
    response = client.get("/projects/99999/diagram", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


@pytest.mark.parametrize(
    "path", ["/projects/", "/projects/new", "/projects/1", "/projects/1/diagram"]
)
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
