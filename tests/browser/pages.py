"""Small page helpers for the journeys: navigate like a user, find things by role and label."""

import re

from playwright.sync_api import Locator
from playwright.sync_api import Page
from playwright.sync_api import expect

SCORES = {
    "Strategic fit": "4",
    "Business value": "5",
    "Risk (5 = low)": "3",
    "Delivery feasibility": "4",
}
SCORE_TOTAL = "4.10"  # 4*.3 + 5*.3 + 3*.2 + 4*.2
READINESS_CHECKS = (
    "Gate package complete",
    "Strategic alignment",
    "Risks assessed",
    "Funding available",
    "Ready for the gate decision",
)


def flash(page: Page, text: str) -> Locator:
    """The flashed message (role=status) containing `text`."""
    return page.get_by_role("status").filter(has_text=text)


def inbox(page: Page, tab: str = "Assigned to me") -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=re.compile(r"^Inbox\b")
    ).click()
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    if tab != "Assigned to me":
        page.get_by_role("link", name=re.compile(rf"^{re.escape(tab)}\b")).click()
    expect(page.get_by_role("link", name=re.compile(rf"^{re.escape(tab)}\b"))).to_have_attribute(
        "aria-current", "page"
    )


def inbox_row(page: Page, title: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def open_task(page: Page, title: str, tab: str = "Assigned to me") -> Locator:
    """From the inbox tab, open the task `title`; returns the form's region."""
    inbox(page, tab)
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    return task_form(page)


def task_form(page: Page) -> Locator:
    return page.get_by_role("region", name=re.compile(r"^Your (input|decision)$"))


def complete(form: Locator) -> None:
    form.get_by_role("button", name="Complete task").click()


def open_project(page: Page, code: str) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Projects"
    ).click()
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    page.get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)


def current_stage(page: Page) -> Locator:
    """The stage tracker's current step (aria-current="step")."""
    return page.get_by_role("region", name="Stages").locator('[aria-current="step"]')


def details(page: Page) -> Locator:
    return page.get_by_role("region", name="Details")


def fill_scores(form: Locator) -> None:
    for label, score in SCORES.items():
        form.get_by_label(label, exact=True).fill(score)


def fill_readiness(form: Locator, comment: str) -> None:
    for label in READINESS_CHECKS:
        form.get_by_label(label, exact=True).check()
    form.get_by_label("Comment", exact=True).fill(comment)


def decide(page: Page, decision: str, rationale: str = "") -> Locator:
    """On a gate decision page: score, choose `decision`, write the rationale. Returns the form."""
    form = task_form(page)
    fill_scores(form)
    expect(form.locator("#score-total")).to_have_text(SCORE_TOTAL)  # computed live by the page
    form.get_by_role("radio", name=decision, exact=True).check()
    if rationale:
        form.get_by_label("Rationale", exact=True).fill(rationale)
    return form


def field_error(form: Locator, text: str) -> Locator:
    return form.locator(".invalid-feedback").filter(has_text=text)


def fits_width(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
