"""User administration: only admins; list, add with roles, change roles, (de)activate."""

import re

import pytest
from sqlalchemy import select

from tests.web.helpers import login
from tests.web.helpers import login_ok
from tests.web.helpers import rows_text
from tests.web.helpers import text
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import User

NEW_USER = {
    "username": "nina",
    "display_name": "Nina Newcomer",
    "email": "nina@example.org",
    "password": "a long enough password",
    "roles": ["pm", "finance"],
}


def user(username) -> User:
    found = db.session.scalar(select(User).filter_by(username=username))
    db.session.refresh(found)
    return found


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("username", ["pat", "gwen", "pia", "sam"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/admin/users"),
        ("get", "/admin/"),
        ("post", "/admin/users"),
        ("get", "/admin/users/1"),
        ("post", "/admin/users/1/active"),
    ],
)
def test_only_admins(client, people, username, method, path):
    login_ok(client, username)
    assert getattr(client, method)(path).status_code == 403


def test_users_page_lists_everyone_with_roles_and_status(client, people):
    login_ok(client, "ada")
    response = client.get("/admin/users")
    assert response.status_code == 200
    rows = rows_text(response)
    assert "Gwen Governance gwen PMO active" in rows
    assert "Pat Manager pat Project Manager active" in rows
    assert "Admin" in text(response)  # the navbar shows admins their menu


def test_admin_link_only_for_admins(client, people):
    login_ok(client, "pat")
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)
    login_ok(client, "ada")
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)


def test_add_user_with_roles(client, people):
    login_ok(client, "ada")
    response = client.post("/admin/users", data=NEW_USER)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    nina = user("nina")
    assert nina.roles == {"pm", "finance"} and nina.display_name == "Nina Newcomer"
    assert "user_added" in actions()
    assert "User nina added." in text(client.get("/admin/users"))
    assert login(client, "nina", NEW_USER["password"]).status_code == 302


def test_add_user_errors_are_422_on_the_fields(client, people):
    login_ok(client, "ada")
    taken = client.post("/admin/users", data={**NEW_USER, "username": "pat"})
    assert taken.status_code == 422
    assert "user 'pat' already exists" in text(taken)
    invalid = client.post(
        "/admin/users",
        data={
            **NEW_USER,
            "username": "bad name!",
            "email": "not-an-address",
            "password": "short",
            "roles": ["wizard"],
        },
    )
    assert invalid.status_code == 422
    page = text(invalid)
    assert "Enter an email address." in page
    assert "Field must be between 8 and 200 characters long." in page
    assert "'wizard' is not a valid choice" in page
    assert db.session.scalar(select(User).filter_by(username="bad name!")) is None


def test_service_rule_errors_show_on_the_field(client, people):
    login_ok(client, "ada")
    response = client.post("/admin/users", data={**NEW_USER, "username": "bad name!"})
    assert response.status_code == 422
    assert "use letters, digits" in text(response)


def test_change_roles(client, people):
    pat = people["pat"]
    login_ok(client, "ada")
    page = client.get(f"/admin/users/{pat.id}")
    assert page.status_code == 200 and "Pat Manager" in text(page)
    assert re.search(r'<input checked[^>]*value="pm"', page.get_data(as_text=True))
    assert not re.search(r'<input checked[^>]*value="pmo"', page.get_data(as_text=True))
    response = client.post(f"/admin/users/{pat.id}", data={"roles": ["pm", "pmo"]})
    assert response.status_code == 302
    assert user("pat").roles == {"pm", "pmo"}
    assert "user_roles_changed" in actions()


def test_admin_cannot_drop_own_admin_role(client, people):
    ada = people["ada"]
    login_ok(client, "ada")
    response = client.post(f"/admin/users/{ada.id}", data={"roles": ["pmo"]})
    assert response.status_code == 422
    assert "you cannot remove your own administrator role" in text(response)
    assert user("ada").roles == {"admin"}


def test_deactivate_and_activate(client, people):
    pat = people["pat"]
    login_ok(client, "ada")
    response = client.post(f"/admin/users/{pat.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert user("pat").active is False
    assert "pat deactivated." in text(client.get("/admin/users"))
    assert "Pat Manager pat Project Manager inactive" in rows_text(client.get("/admin/users"))
    assert login(client, "pat").status_code == 403
    login_ok(client, "ada")
    client.post(f"/admin/users/{pat.id}/active", data={"active": "1"})
    assert user("pat").active is True
    assert {"user_deactivated", "user_activated"} <= set(actions())
    login_ok(client, "pat")


def test_admin_cannot_deactivate_themselves(client, people):
    ada = people["ada"]
    login_ok(client, "ada")
    response = client.post(
        f"/admin/users/{ada.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "you cannot deactivate your own account" in text(response)
    assert user("ada").active is True


def test_unknown_user_is_404(client, people):
    login_ok(client, "ada")
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/active", data={"active": "0"}).status_code == 404
