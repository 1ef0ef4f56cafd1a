"""Shared helpers of the web client tests: log in through the login form, read pages."""

import re
from html import unescape

from flask import g

from tests.factories import PASSWORD


def login(
    client, username: str, password: str = PASSWORD, next_path: str | None = None, **request_options
):
    """Log the client in through the login form (as flaskr's AuthActions); returns the response.

    Requests of a test share the `ctx` fixture's app context and so its `g`: forget the user
    Flask-Login cached there by an earlier request, and start from an empty session.
    """
    logout(client)
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"username": username, "password": password}, **request_options)


def login_ok(client, username: str):
    response = login(client, username)
    assert response.status_code == 302, (response.status_code, text(response)[:500])
    return response


def logout(client) -> None:
    forget_cached_user()
    with client.session_transaction() as session:
        session.clear()


def forget_cached_user() -> None:
    """Make the next request load the user from its session, as a new app context would."""
    g.pop("_login_user", None)


def text(response) -> str:
    """The page's visible text, whitespace collapsed (tags, scripts and styles removed)."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def csrf_token(response) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def field_value(response, name: str) -> str | None:
    """The value attribute of the input named `name` (None if absent)."""
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<input\b[^>]*>", html):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            match = re.search(r'\bvalue="([^"]*)"', tag)
            return unescape(match.group(1)) if match else ""
    return None


def textarea_value(response, name: str) -> str | None:
    html = response.get_data(as_text=True)
    match = re.search(
        rf'<textarea\b[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, flags=re.S
    )
    return unescape(match.group(1)).strip() if match else None


def rows_text(response) -> str:
    """Visible text of the page's table bodies only (not filters, navigation or flashes)."""
    html = response.get_data(as_text=True)
    bodies = re.findall(r"<tbody\b.*?</tbody>", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", " ".join(bodies)))).strip()
