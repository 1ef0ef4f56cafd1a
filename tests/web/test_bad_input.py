"""Input no check anticipated still gets a clear answer, never a 500."""

import pytest

from tests.factories import start_project
from tests.web.helpers import login_ok
from webapp.services.users import issue_token


@pytest.fixture
def project(people, library):
    return start_project()


@pytest.mark.parametrize(
    "path",
    [
        "/tasks/99999999999999999999",
        "/projects/99999999999999999999",
        "/projects/99999999999999999999/diagram",
    ],
)
def test_ids_past_64_bits_are_not_found(client, project, path):
    login_ok(client, "pat")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/?page=99999999999999999999", "/projects/?page=99999999999999999999"]
)
def test_page_numbers_past_any_list_show_an_empty_page(client, project, path):
    login_ok(client, "pat")
    assert client.get(path).status_code == 200


def test_api_page_and_name_limits_are_422(client, project, people):
    headers = {"Authorization": f"Bearer {issue_token('pat')}"}
    response = client.get("/api/v1/tasks?page=99999999999999999999", headers=headers)
    assert response.status_code == 422 and "page" in response.get_json()["fields"]
    response = client.get("/api/v1/tasks/99999999999999999999", headers=headers)
    assert response.status_code == 404
    body = {"code": "LONG-1", "name": "x" * 500, "pm": "pat", "sponsor": "sam"}
    response = client.post("/api/v1/projects", json=body, headers=headers)
    assert response.status_code == 422 and response.get_json()["fields"]["name"] == [
        "at most 200 characters"
    ]


def test_a_value_the_database_refuses_is_a_422_not_a_500(app, client, project, people):
    from sqlalchemy.exc import DataError

    @app.get("/boom")
    def boom():
        raise DataError("INSERT ...", {}, Exception("value too long for type varchar(200)"))

    response = client.get("/boom", headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "out of range" in response.get_json()["message"]


def test_a_workflow_failure_after_submit_keeps_the_input_and_says_so(client, project, monkeypatch):
    from tests.factories import FORM_DATA
    from tests.factories import open_task
    from webapp.engine import runner
    from webapp.engine.errors import EngineError

    row = open_task(project, "prepare_charter")

    def broken(*args, **kwargs):
        raise EngineError("division by zero", task_name="configure_gate_1", line=1)

    monkeypatch.setattr(runner, "complete", broken)
    login_ok(client, "pat")
    data = dict(FORM_DATA["project_charter"], objectives="Typed with care")
    response = client.post(f"/tasks/{row.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "The workflow stopped." in page and "configure_gate_1" in page
    assert "Typed with care" in page
    assert open_task(project, "prepare_charter").id == row.id
