"""Browser tests: Debian's Chromium driven by pytest-playwright against a live Tollgate.

Every test in this folder is marked `browser` (pyproject deselects them by default; run them
with `pytest -m browser tests/browser`). Each test gets its own migrated SQLite *file* (the
`database_uri` fixture), seeded with the usual people and the workflow library, served by
werkzeug on a free port in a daemon thread, with CSRF switched ON: the browser posts the real
tokens. Each user works in their own browser context, so sessions never mix.

Screenshots of every step land in pytest-playwright's output folder for the test:
test-results/<test id>/NN-step.png (test-results/ is gitignored and wiped at each run).
"""

import itertools
import logging
import re
import threading
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import _config
from tests.factories import PASSWORD
from webapp import create_app
from webapp.extensions import db

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# A form re-rendered with errors (422) or a conflict (409) is the app working as designed;
# Chromium still logs "Failed to load resource" for such a document.
EXPECTED_STATUS_NOISE = re.compile(r"status of (409|422)\b")
EXPECT_TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark everything collected from this folder `browser` (before -m deselects)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _expect_timeout():
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture
def live_app(database_uri):
    """The app the live server runs, seeded: people (tests.factories.PEOPLE) and the library."""
    from tests.factories import deploy_library
    from tests.factories import make_people

    app = create_app(_config(database_uri) | {"WTF_CSRF_ENABLED": True})
    with app.app_context():
        make_people()
        deploy_library()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` on 127.0.0.1 at a free port; yield its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def base_url(live_server):
    return live_server


@pytest.fixture
def browser_context_args(playwright, device, base_url):
    """Per test, as the live server is: every new context opens relative URLs on it.

    Replaces pytest-playwright's session fixture, which would ask for a session `base_url`
    (its --device option is kept; video recording needs a download and is not offered).
    """
    args = dict(playwright.devices[device]) if device else {}
    args.pop("default_browser_type", None)
    return {**args, "base_url": base_url}


@pytest.fixture
def seed(live_app):
    """Run `fn(*args, **kwargs)` in an app context (service calls that prepare a journey)."""

    def run(fn, *args, **kwargs):
        with live_app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run


@dataclass
class Console:
    """What went wrong in the pages of one test: uncaught errors, console errors, failed loads."""

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page, who: str) -> None:
        page.on("pageerror", lambda exc: self.problems.append(f"{who}: uncaught {exc}"))
        page.on("console", lambda msg: self._console(who, msg))
        page.on("response", lambda response: self._response(who, response))

    def _console(self, who, msg) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        if url.endswith("/favicon.ico") or EXPECTED_STATUS_NOISE.search(msg.text):
            return
        self.problems.append(f"{who}: console error {msg.text!r} at {url}")

    def _response(self, who, response) -> None:
        request = response.request
        if response.status >= 400 and request.resource_type != "document":
            if not response.url.endswith("/favicon.ico"):
                self.problems.append(f"{who}: {response.status} for {response.url}")


@pytest.fixture
def console():
    watcher = Console()
    yield watcher
    assert watcher.problems == [], "\n".join(watcher.problems)


@pytest.fixture
def shot(output_path):
    """shot(page, "step") saves test-results/<test>/NN-step.png (full page)."""
    counter = itertools.count(1)
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, step: str) -> Path:
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login_as(new_context, console, shot):
    """login_as("sam") -> a Page of a fresh browser context, logged in through the login form.

    Extra keyword arguments go to `browser.new_context` (e.g. a phone's viewport).
    """
    from tests.factories import PEOPLE

    def login(username: str, password: str = PASSWORD, **context_args) -> Page:
        context = new_context(**context_args)
        page = context.new_page()
        console.watch(page, username)
        page.goto("/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        welcome = f"Welcome, {PEOPLE[username][0]}." if username in PEOPLE else "Welcome, "
        expect(page.get_by_role("status").filter(has_text=welcome)).to_be_visible()
        expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
        return page

    return login
