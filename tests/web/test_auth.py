"""Sign in and out, rate limiting, idle timeout, CSRF, and the API tokens page."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.web.helpers import csrf_token
from tests.web.helpers import forget_cached_user
from tests.web.helpers import login
from tests.web.helpers import login_ok
from tests.web.helpers import logout
from tests.web.helpers import text
from webapp import create_app
from webapp.config import LOGIN_RATE_LIMIT
from webapp.extensions import db
from webapp.models import ApiToken
from webapp.models.types import utcnow
from webapp.services.users import set_active
from webapp.services.users import user_for_token

FAILURES_ALLOWED = int(LOGIN_RATE_LIMIT.split()[0])


@pytest.mark.parametrize("path", ["/", "/tasks/1", "/tokens", "/admin/users"])
def test_login_required(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "<form" in page.get_data(as_text=True)
    assert "Please log in to continue." in text(page)


def test_login_lands_on_inbox_with_a_permanent_session(client, people):
    response = login(client, "pat")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Expires=" in response.headers["Set-Cookie"]  # session.permanent: idle timeout
    with client.session_transaction() as session:
        assert session.permanent
    page = client.get("/")
    assert page.status_code == 200 and "Welcome, Pat Manager." in text(page)


def test_login_follows_local_next_only(client, people):
    assert login(client, "pat", next_path="/tokens").headers["Location"] == "/tokens"
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert login(client, "pat", next_path=target).headers["Location"] == "/"


def test_already_logged_in_user_skips_the_login_page(client, people):
    login_ok(client, "pat")
    assert client.get("/login").headers["Location"] == "/"


@pytest.mark.parametrize("username,password", [("pat", "wrong password"), ("nobody", "x" * 10)])
def test_bad_credentials_are_refused_without_saying_which(client, people, username, password):
    response = login(client, username, password)
    assert response.status_code == 401
    assert "Unknown username or wrong password." in text(response)
    assert client.get("/").status_code == 302  # still anonymous


def test_empty_form_shows_field_errors(client, people):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "This field is required." in text(response)


def test_failed_logins_are_rate_limited_per_username_and_address(client, people):
    for _ in range(FAILURES_ALLOWED):
        assert login(client, "pat", "wrong").status_code == 401
    refused = login(client, "pat")  # even the right password, until the window passes
    assert refused.status_code == 429
    assert "Too many failed sign-in attempts" in text(refused)
    assert login(client, "sam").status_code == 302  # other usernames are not locked out
    other_address = login(client, "pat", "x", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_address.status_code == 401


def test_successful_logins_do_not_count_towards_the_limit(client, people):
    for _ in range(FAILURES_ALLOWED + 2):
        login_ok(client, "pat")


def test_inactive_user_is_refused(client, people):
    set_active(people["pat"].id, False, people["ada"])
    response = login(client, "pat")
    assert response.status_code == 403
    assert "This account is deactivated" in text(response)
    assert client.get("/").status_code == 302


def test_deactivated_user_loses_an_open_session(client, people):
    login_ok(client, "pat")
    set_active(people["pat"].id, False, people["ada"])
    forget_cached_user()
    assert client.get("/").status_code == 302


def test_logout_needs_post_and_ends_the_session(client, people):
    login_ok(client, "pat")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    forget_cached_user()
    assert client.get("/").status_code == 302
    assert "You are logged out." in text(client.get("/login"))


def test_session_ends_after_the_idle_timeout(client, people, app):
    login_ok(client, "pat")
    minutes = app.config["SESSION_MINUTES"]
    with time_machine.travel(utcnow() + timedelta(minutes=minutes - 1), tick=False):
        forget_cached_user()
        assert client.get("/").status_code == 200  # activity refreshes the session
    with time_machine.travel(utcnow() + timedelta(minutes=2 * minutes), tick=False):
        forget_cached_user()
        assert client.get("/").status_code == 302


def test_tokens_page_creates_shows_once_and_revokes(client, people):
    login_ok(client, "pat")
    created = client.post("/tokens", data={"name": "Power BI"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    page = text(created)
    assert "shown only once" in page and "Power BI" in page
    token = re.search(r'id="new-token"[^>]*value="(tg_[^"]+)"', created.get_data(as_text=True))[1]
    assert user_for_token(token).username == "pat"
    again = client.get("/tokens").get_data(as_text=True)
    assert "Power BI" in again and token not in again
    row = db.session.scalar(select(ApiToken).filter_by(name="Power BI"))
    revoked = client.post(f"/tokens/{row.id}/revoke")
    assert revoked.status_code == 302 and revoked.headers["Location"] == "/tokens"
    assert "revoked" in text(client.get("/tokens"))
    assert user_for_token(token) is None


def test_token_needs_a_name(client, people):
    login_ok(client, "pat")
    response = client.post("/tokens", data={"name": ""})
    assert response.status_code == 422 and "This field is required." in text(response)


def test_cannot_revoke_someone_elses_token(client, people):
    from webapp.services.users import issue_token

    issue_token("sam", "sam's laptop")
    row = db.session.scalar(select(ApiToken).filter_by(name="sam's laptop"))
    login_ok(client, "pat")
    assert client.post(f"/tokens/{row.id}/revoke").status_code == 404
    db.session.refresh(row)
    assert row.revoked_at is None


def test_posts_without_csrf_token_are_refused(database_uri, people):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "WTF_CSRF_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    csrf_client = app.test_client()
    try:
        no_token = csrf_client.post("/login", data={"username": "pat", "password": "x"})
        assert no_token.status_code == 400
        assert "CSRF" in text(no_token)
        token = csrf_token(csrf_client.get("/login"))
        response = csrf_client.post(
            "/login", data={"username": "pat", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        assert csrf_client.post("/logout").status_code == 400  # still logged in
        inbox = csrf_client.get("/")
        assert inbox.status_code == 200
        logout = csrf_client.post("/logout", data={"csrf_token": csrf_token(inbox)})
        assert logout.status_code == 302
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_logout_helper_leaves_client_anonymous(client, people):
    login_ok(client, "pat")
    logout(client)
    assert client.get("/").status_code == 302


def test_one_address_spraying_passwords_over_many_usernames_is_stopped(app, client, people):
    app.config["LOGIN_ADDRESS_RATE_LIMIT"] = "3 per 15 minutes"
    answers = [
        client.post("/login", data={"username": name, "password": "wrong"}).status_code
        for name in ("pat", "sam", "gwen", "fin")
    ]
    assert answers == [401, 401, 401, 429]
