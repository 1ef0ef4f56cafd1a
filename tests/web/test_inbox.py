"""The inbox page: rows, counts, filters, pages, claim and release."""

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from tests.factories import complete
from tests.factories import make_user
from tests.factories import open_task
from tests.factories import start_project
from tests.web.helpers import login_ok
from tests.web.helpers import rows_text
from tests.web.helpers import text
from webapp.extensions import db
from webapp.services.inbox import PAGE_SIZE


@pytest.fixture
def project(people, library):
    return start_project(code="PRJ-1", name="Billing renewal")


def at_readiness(project):
    """Charter done and the package submitted: a readiness check waits in the PMO queue."""
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    return open_task(project, "check_gate_readiness")


def test_assigned_row_shows_project_stage_task_holder_age_and_due(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    page = text(client.get("/"))
    assert "Prepare project charter" in page
    assert "PRJ-1" in page and "Billing renewal" in page
    assert "Stage 1 – Initiation" in page
    assert "Pat Manager" in page and "just now" in page
    assert f"{row.due_at.day} {row.due_at:%b %Y}" in page
    assert "overdue" not in page
    assert f'href="/tasks/{row.id}"' in client.get("/").get_data(as_text=True)


def test_overdue_tasks_are_highlighted(client, project):
    row = open_task(project, "prepare_charter")
    login_ok(client, "pat")
    with time_machine.travel(row.due_at + timedelta(days=1), tick=False):
        response = client.get("/")
    assert "overdue" in text(response) and "table-danger" in response.get_data(as_text=True)


def test_counts_in_the_navbar_and_tabs(client, project, people):
    start_project(code="PRJ-2")
    login_ok(client, "pat")
    html = client.get("/").get_data(as_text=True)
    assert "(2 assigned to me, 0 in my queues)" in text(client.get("/"))
    assert 'title="Assigned to me">2<' in html
    at_readiness(project)
    login_ok(client, "gwen")
    assert "(0 assigned to me, 1 in my queues)" in text(client.get("/"))


def test_queue_row_shows_the_role_and_can_be_claimed(client, project, people):
    row = at_readiness(project)
    login_ok(client, "gwen")
    assert "Check gate readiness" not in text(client.get("/"))  # not assigned to anyone yet
    queues = text(client.get("/?tab=queues"))
    assert "Check gate readiness" in queues and "PMO queue" in queues
    assert "Gate 1" in queues  # the gate the task belongs to
    response = client.post(f"/tasks/{row.id}/claim")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{row.id}"
    db.session.refresh(row)
    assert row.assignee_id == people["gwen"].id
    mine = text(client.get("/"))
    assert "Check gate readiness" in mine and "Gwen Governance" in mine
    assert "Check gate readiness" not in text(client.get("/?tab=queues"))


def test_claiming_a_task_someone_else_claimed_explains_why_not(client, project, people):
    row = at_readiness(project)
    make_user("gil", "pmo", display_name="Gil Governance")
    login_ok(client, "gil")
    client.post(f"/tasks/{row.id}/claim")
    login_ok(client, "gwen")
    response = client.post(f"/tasks/{row.id}/claim", follow_redirects=True)
    assert "Could not claim it" in text(response) and "Gil Governance" in text(response)
    db.session.refresh(row)
    assert row.assignee.username == "gil"


def test_claim_refused_outside_your_queues(client, project):
    row = at_readiness(project)
    login_ok(client, "pat")  # the PM sees the project but is not in the PMO queue
    assert client.post(f"/tasks/{row.id}/claim").status_code == 403
    login_ok(client, "max")  # a PM with no role on this project does not learn it exists
    assert client.post(f"/tasks/{row.id}/claim").status_code == 404


def test_release_puts_my_task_back_in_the_queue(client, project):
    row = at_readiness(project)
    login_ok(client, "gwen")
    client.post(f"/tasks/{row.id}/claim")
    response = client.post(f"/tasks/{row.id}/release", follow_redirects=True)
    assert response.status_code == 200
    assert "is back in the PMO queue" in text(response)
    db.session.refresh(row)
    assert row.assignee_id is None


def test_only_pmo_or_admin_release_someone_elses_task(client, project):
    row = at_readiness(project)
    login_ok(client, "gwen")
    client.post(f"/tasks/{row.id}/claim")
    login_ok(client, "pat")
    assert client.post(f"/tasks/{row.id}/release").status_code == 403
    db.session.refresh(row)
    assert row.assignee.username == "gwen"
    login_ok(client, "ada")
    assert client.post(f"/tasks/{row.id}/release").status_code == 302
    db.session.refresh(row)
    assert row.assignee_id is None


def test_release_and_claim_buttons_post_to_the_right_rows(client, project):
    row = at_readiness(project)
    login_ok(client, "gwen")
    assert f'action="/tasks/{row.id}/claim"' in client.get("/?tab=queues").get_data(as_text=True)
    client.post(f"/tasks/{row.id}/claim")
    assert f'action="/tasks/{row.id}/release"' in client.get("/").get_data(as_text=True)


def test_filters_by_project_stage_and_task_type(client, project):
    other = start_project(code="PRJ-2", name="Data platform")
    complete(other, "prepare_charter")  # PRJ-2 now waits on its gate package
    login_ok(client, "pat")
    everything = rows_text(client.get("/"))
    assert "Billing renewal" in everything and "Data platform" in everything
    only_two = rows_text(client.get(f"/?project={other.id}"))
    assert "Data platform" in only_two and "Billing renewal" not in only_two
    by_type = rows_text(client.get("/?type=project_charter"))
    assert "Prepare project charter" in by_type and "Submit gate package" not in by_type
    by_stage = rows_text(client.get("/?stage=Stage 1 – Initiation"))
    assert "Prepare project charter" in by_stage and "Submit gate package" in by_stage
    ignored = rows_text(client.get("/?stage=Stage 9&project=abc"))  # not offered: ignored
    assert "Billing renewal" in ignored and "Data platform" in ignored
    none_left = client.get(f"/?project={other.id}&type=project_charter")
    assert "No tasks match these filters." in text(none_left)


def test_filter_choices_come_from_my_own_tasks(client, project):
    start_project(code="PRJ-9", name="Secret merger", pm="max", sponsor="sue")
    login_ok(client, "pat")
    page = text(client.get("/"))
    assert "PRJ-1 – Billing renewal" in page and "Secret merger" not in page


def test_pagination(client, people, library):
    for number in range(PAGE_SIZE + 2):
        start_project(code=f"P-{number:03d}")
    login_ok(client, "pat")
    first = client.get("/")
    assert f"{PAGE_SIZE + 2} tasks · page 1 of 2" in text(first)
    assert 'href="/?page=2"' in first.get_data(as_text=True)
    assert rows_text(first).count("Prepare project charter") == PAGE_SIZE
    second = client.get("/?page=2")
    assert "page 2 of 2" in text(second)
    assert rows_text(second).count("Prepare project charter") == 2
    filtered = client.get("/?type=project_charter&page=2").get_data(as_text=True)
    assert 'href="/?type=project_charter&amp;page=1"' in filtered  # filters survive paging


def test_empty_inbox_says_so(client, people):
    login_ok(client, "pat")
    assert "Nothing assigned to you." in text(client.get("/"))
    assert "Nothing waiting in your queues." in text(client.get("/?tab=queues"))


# --- the layout every page shares: assets from npm -----------------------------------------


def test_pages_link_bootstrap_served_from_node_modules(client, app, people):
    login_ok(client, "pat")
    html = client.get("/").get_data(as_text=True)
    css = "/assets/bootstrap/dist/css/bootstrap.min.css"
    assert f'href="{css}"' in html
    assert 'src="/assets/bootstrap/dist/js/bootstrap.bundle.min.js"' in html
    if (Path(app.config["NODE_MODULES_DIR"]) / "bootstrap/dist/css/bootstrap.min.css").exists():
        response = client.get(css)
        assert response.status_code == 200 and response.mimetype == "text/css"
        response.close()


@pytest.mark.parametrize(
    "path",
    [
        "/assets/bootstrap/package.json",  # outside the dist folder
        "/assets/bootstrap/dist/../package.json",
        "/assets/.bin/anything",
        "/assets/left-pad/index.js",  # not an allowed package
        "/assets/bootstrap/dist/css/missing.css",
    ],
)
def test_assets_outside_the_allow_list_are_404(client, path):
    assert client.get(path).status_code == 404


def test_pages_render_without_node_modules(client, app, people, tmp_path):
    app.config["NODE_MODULES_DIR"] = str(tmp_path / "no-npm-yet")
    login_ok(client, "pat")
    assert client.get("/").status_code == 200
    assert client.get("/assets/bootstrap/dist/css/bootstrap.min.css").status_code == 404
