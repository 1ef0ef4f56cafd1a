"""Journeys through the real UI in headless Chromium: each user in their own browser context.

Preparation that a journey is not about (reaching a gate) goes through the services; every
asserted step goes through pages, with CSRF on. A screenshot of each step is saved in
test-results/<test id>/.
"""

import re

from playwright.sync_api import expect

from tests.factories import complete as complete_step
from tests.factories import make_user
from tests.factories import pass_gate
from tests.factories import start_project

from .pages import complete
from .pages import current_stage
from .pages import decide
from .pages import details
from .pages import field_error
from .pages import fill_readiness
from .pages import fill_scores
from .pages import fits_width
from .pages import flash
from .pages import inbox
from .pages import inbox_row
from .pages import open_project
from .pages import open_task
from .pages import task_form

IPHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}


# -- preparation through the services ------------------------------------------------------


def _at_gate_1_decision(code: str) -> int:
    project = start_project(code=code, name=f"Project {code}")
    complete_step(project, "prepare_charter")
    complete_step(project, "submit_gate_package")
    complete_step(project, "check_gate_readiness")
    return project.id


def _at_gate_1_readiness(code: str) -> int:
    project = start_project(code=code, name=f"Project {code}")
    complete_step(project, "prepare_charter")
    complete_step(project, "submit_gate_package")
    return project.id


def _at_gate_2_scoring(code: str) -> int:
    """Conditional go at Gate 1 (condition owned by fin), then up to finance scoring Gate 2."""
    project = start_project(code=code, name=f"Project {code}")
    complete_step(project, "prepare_charter")
    pass_gate(
        project,
        "conditional_go",
        conditions=[
            {"description": "Confirm vendor pricing", "owner": "fin", "due_date": "2027-02-01"}
        ],
    )
    complete_step(project, "prepare_project_plan")
    complete_step(project, "submit_gate_package")
    complete_step(project, "check_gate_readiness")
    return project.id


# -- journeys ------------------------------------------------------------------------------


def test_pm_starts_a_project_and_the_sponsor_passes_gate_1(login_as, shot):
    pat = login_as("pat")
    pat.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Projects"
    ).click()
    pat.get_by_role("link", name="New project").click()
    expect(pat.get_by_role("heading", name="Start a project")).to_be_visible()
    pat.get_by_label("Name", exact=True).fill("Billing renewal")
    pat.get_by_label("Code", exact=True).fill("prj-101")  # upper-cased by the form
    pat.get_by_label("Project manager").select_option(label="Pat Manager")
    pat.get_by_label("Sponsor").select_option(label="Sam Sponsor")
    pat.get_by_label("Budget").fill("250000")
    pat.get_by_label("Start date").fill("2027-01-04")
    pat.get_by_label("End date").fill("2027-12-17")
    pat.get_by_label("Description").fill("Replace the legacy billing platform.")
    shot(pat, "pm fills the new project form")
    pat.get_by_role("button", name="Start project").click()

    started = "PRJ-101 started: Prepare project charter sent to Pat Manager"
    expect(flash(pat, started)).to_be_visible()
    title = re.compile(r"PRJ-101\s+Billing renewal")
    expect(pat.get_by_role("heading", level=1)).to_have_text(title)
    expect(current_stage(pat)).to_contain_text("Stage 1 – Initiation")
    expect(details(pat)).to_contain_text("250,000.00")
    expect(details(pat)).to_contain_text("2027-12-17")
    shot(pat, "project page after start")

    form = open_task(pat, "Prepare project charter")
    expect(pat.get_by_role("region", name="Project")).to_contain_text("Billing renewal")
    form.get_by_label("Objectives", exact=True).fill("One billing platform by the end of 2027")
    form.get_by_label("Scope", exact=True).fill("Billing, invoicing and dunning; not CRM")
    form.get_by_label("Business case", exact=True).fill("Saves 1.2M a year in licences")
    form.get_by_label("Estimated cost", exact=True).fill("240000")
    shot(pat, "charter filled")
    complete(form)
    expect(flash(pat, "Prepare project charter done.")).to_be_visible()
    expect(flash(pat, "Submit gate package sent to Pat Manager")).to_be_visible()
    shot(pat, "charter done")

    form = open_task(pat, "Submit gate package")
    form.get_by_label("Business case", exact=True).check()
    form.get_by_label("Project charter", exact=True).check()
    form.get_by_label("Summary for the gatekeepers").fill("Charter agreed with finance")
    shot(pat, "gate package filled")
    complete(form)
    expect(flash(pat, "Check gate readiness sent to PMO")).to_be_visible()
    shot(pat, "gate package submitted")

    gwen = login_as("gwen")
    inbox(gwen, "My queues")
    row = inbox_row(gwen, "Check gate readiness")
    expect(row).to_contain_text("PRJ-101")
    shot(gwen, "readiness waits in the pmo queue")
    row.get_by_role("button", name="Claim").click()
    expect(flash(gwen, "You claimed “Check gate readiness”")).to_be_visible()
    form = task_form(gwen)
    expect(gwen.get_by_role("region", name="Gate package · Gate 1")).to_contain_text(
        "Charter agreed with finance"
    )
    fill_readiness(form, "All must-meet criteria met")
    shot(gwen, "readiness checked")
    complete(form)
    expect(flash(gwen, "Decide gate sent to Sam Sponsor")).to_be_visible()
    shot(gwen, "readiness passed")

    sam = login_as("sam")
    inbox(sam)
    expect(inbox_row(sam, "Decide gate")).to_contain_text("Gate 1")
    open_task(sam, "Decide gate")
    expect(sam.get_by_role("region", name="Gate package · Gate 1")).to_contain_text(
        "Ready for the gate decision."
    )
    form = decide(sam, "Go")
    shot(sam, "sponsor scores and decides go")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Prepare project plan sent to Pat Manager")).to_be_visible()
    shot(sam, "gate 1 decided")

    pat.reload()
    open_project(pat, "PRJ-101")
    expect(current_stage(pat)).to_contain_text("Stage 2 – Planning")
    expect(details(pat)).to_contain_text("Stage 2 – Planning")
    decisions = pat.get_by_role("region", name="Gate decisions")
    expect(decisions).to_contain_text("Gate 1")
    expect(decisions).to_contain_text("Go")
    diagram = pat.locator("#tg-diagram")
    expect(diagram).to_have_class(re.compile(r"\btg-diagram-ready\b"))
    expect(diagram.locator(".djs-container svg").first).to_be_visible()
    expect(diagram.locator(".djs-element.tg-completed").first).to_be_attached()
    expect(diagram.locator(".djs-element.tg-active").first).to_be_attached()
    shot(pat, "project page shows planning and the diagram")


def test_conditional_go_blocks_gate_2_until_its_condition_is_closed(login_as, seed, shot):
    seed(_at_gate_1_decision, "PRJ-202")

    sam = login_as("sam")
    open_task(sam, "Decide gate")
    form = decide(sam, "Conditional go", "Go, once the vendor pricing is confirmed")
    form.get_by_label("Condition", exact=True).first.fill("Confirm vendor pricing")
    form.get_by_label("Owner", exact=True).first.fill("fin")
    form.get_by_label("Due date", exact=True).first.fill("2027-02-01")
    shot(sam, "sponsor decides conditional go with one condition")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Prepare project plan sent to Pat Manager")).to_be_visible()
    shot(sam, "conditional go recorded")

    pat = login_as("pat")
    form = open_task(pat, "Prepare project plan")
    conditions = pat.get_by_role("region", name="Open conditions")
    expect(conditions).to_contain_text("Confirm vendor pricing")
    form.get_by_label("Schedule summary", exact=True).fill("Three releases over nine months")
    form.get_by_label("Baseline budget", exact=True).fill("480000")
    form.get_by_label("Baseline end date", exact=True).fill("2027-09-30")
    shot(pat, "plan filled with the condition still open")
    complete(form)
    expect(flash(pat, "Submit gate package sent to Pat Manager")).to_be_visible()
    form = open_task(pat, "Submit gate package")
    expect(pat.get_by_role("heading", level=1)).to_contain_text("Gate 2")
    form.get_by_label("Project plan", exact=True).check()
    form.get_by_label("Budget baseline", exact=True).check()
    form.get_by_label("Summary for the gatekeepers").fill("Plan baselined")
    complete(form)
    expect(flash(pat, "Check gate readiness sent to PMO")).to_be_visible()
    shot(pat, "gate 2 package submitted")

    gwen = login_as("gwen")
    inbox(gwen, "My queues")
    inbox_row(gwen, "Check gate readiness").get_by_role("button", name="Claim").click()
    form = task_form(gwen)
    fill_readiness(form, "Ready for Gate 2")
    complete(form)
    expect(flash(gwen, "Score gate sent to Finance")).to_be_visible()
    shot(gwen, "gate 2 readiness passed")

    fin = login_as("fin")
    form = open_task(fin, "Score gate", tab="My queues")
    conditions = fin.get_by_role("region", name="Open conditions")
    expect(conditions).to_contain_text("Confirm vendor pricing")
    # The owner may close it here, while holding a task of the project...
    expect(conditions.get_by_role("button", name="Close condition")).to_be_visible()
    fill_scores(form)
    form.get_by_label("Your recommendation").select_option(label="Go")
    form.get_by_label("Comment", exact=True).fill("Numbers hold up")
    shot(fin, "finance scores gate 2 leaving the condition open")
    complete(form)  # ...but scores first, and the condition stays open
    expect(flash(fin, "Decide gate sent to Sam Sponsor")).to_be_visible()

    open_task(sam, "Decide gate")
    expect(sam.get_by_role("heading", level=1)).to_contain_text("Gate 2")
    expect(sam.get_by_role("region", name="Gate package · Gate 2")).to_contain_text("Finn Finance")
    form = decide(sam, "Go")
    form.get_by_role("button", name="Submit decision").click()
    error = field_error(form, "open conditions must be closed before this gate can pass")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Confirm vendor pricing")
    expect(form.get_by_role("radio", name="Go", exact=True)).to_be_checked()  # input kept
    expect(form.get_by_label("Strategic fit", exact=True)).to_have_value("4")
    shot(sam, "go refused while the condition is open")
    inbox(sam)
    expect(inbox_row(sam, "Decide gate")).to_contain_text("Gate 2")  # nothing was saved
    open_project(sam, "PRJ-202")
    expect(current_stage(sam)).to_contain_text("Stage 2 – Planning")
    expect(sam.get_by_role("region", name="Gate decisions")).not_to_contain_text("Gate 2")

    # The owner closes the condition from the project page: she holds no task of it now.
    fin.reload()
    open_project(fin, "PRJ-202")
    expect(fin.get_by_role("region", name="Gate decisions")).to_contain_text(
        "Confirm vendor pricing"
    )
    shot(fin, "owner finds the open condition on the project page")
    decisions = fin.get_by_role("region", name="Gate decisions")
    decisions.get_by_label("Closing note").fill("Pricing signed by the vendor")
    decisions.get_by_role("button", name="Close condition").click()
    expect(flash(fin, "Condition closed: Confirm vendor pricing")).to_be_visible()
    expect(fin.get_by_role("region", name="Gate decisions").get_by_text("Closed")).to_be_visible()
    expect(fin.get_by_text("Pricing signed by the vendor")).to_be_visible()
    shot(fin, "condition closed")

    open_task(sam, "Decide gate")
    expect(sam.get_by_role("region", name="Open conditions")).to_contain_text("No open conditions.")
    form = decide(sam, "Go")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Decide gate done.")).to_be_visible()
    shot(sam, "go at gate 2")
    open_project(sam, "PRJ-202")
    expect(current_stage(sam)).to_contain_text("Stage 3 – Execution")
    shot(sam, "project in execution")


def test_condition_owner_closes_it_from_their_task_page(login_as, seed, shot):
    seed(_at_gate_2_scoring, "PRJ-606")

    fin = login_as("fin")
    form = open_task(fin, "Score gate", tab="My queues")
    conditions = fin.get_by_role("region", name="Open conditions")
    expect(conditions).to_contain_text("Confirm vendor pricing")
    conditions.get_by_label("Closing note").fill("Pricing signed by the vendor")
    shot(fin, "owner closes the condition from the score task")
    conditions.get_by_role("button", name="Close condition").click()
    expect(flash(fin, "Condition closed: Confirm vendor pricing")).to_be_visible()
    expect(conditions).to_contain_text("No open conditions.")
    decisions = fin.get_by_role("region", name="Gate decisions so far")
    expect(decisions).to_contain_text("Confirm vendor pricing")
    expect(decisions).to_contain_text("closed")
    shot(fin, "condition closed")
    fill_scores(form)
    form.get_by_label("Your recommendation").select_option(label="Go")
    complete(form)
    expect(flash(fin, "Decide gate sent to Sam Sponsor")).to_be_visible()

    sam = login_as("sam")
    open_task(sam, "Decide gate")
    form = decide(sam, "Go")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Decide gate done.")).to_be_visible()
    open_project(sam, "PRJ-606")
    expect(current_stage(sam)).to_contain_text("Stage 3 – Execution")
    expect(sam.get_by_role("region", name="Gate decisions")).to_contain_text(
        "Pricing signed by the vendor"
    )
    shot(sam, "gate 2 passed once the condition was closed")


def test_kill_at_gate_1_needs_a_rationale_and_ends_with_a_closure_record(login_as, seed, shot):
    seed(_at_gate_1_decision, "PRJ-303")

    sam = login_as("sam")
    open_task(sam, "Decide gate")
    form = decide(sam, "Kill")
    form.get_by_role("button", name="Submit decision").click()
    expect(field_error(form, "Explain the decision: a rationale is required.")).to_be_visible()
    expect(form.get_by_role("radio", name="Kill", exact=True)).to_be_checked()
    shot(sam, "kill without rationale is refused")
    form.get_by_label("Rationale", exact=True).fill("The business case no longer holds")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Record closure sent to Pat Manager")).to_be_visible()
    shot(sam, "kill recorded")

    pat = login_as("pat")
    form = open_task(pat, "Record closure")
    form.get_by_label("Closure reason").select_option(label="Stopped by a gate decision")
    form.get_by_label("Final cost", exact=True).fill("18000")
    form.get_by_label("Notes", exact=True).fill("Contracts cancelled, archive on the PMO drive")
    shot(pat, "closure record filled")
    complete(form)
    expect(flash(pat, "Record closure done: the workflow is complete.")).to_be_visible()
    open_project(pat, "PRJ-303")
    expect(details(pat)).to_contain_text("Killed")
    expect(pat.get_by_role("region", name="Gate decisions")).to_contain_text(
        "The business case no longer holds"
    )
    expect(pat.get_by_role("region", name="Open tasks")).to_contain_text("No open tasks.")
    shot(pat, "project killed")


def test_two_pmo_users_race_for_one_queue_task(login_as, seed, shot):
    seed(make_user, "gil", "pmo", display_name="Gil Governance")
    seed(_at_gate_1_readiness, "PRJ-404")

    gwen = login_as("gwen")
    gil = login_as("gil")
    forms = {}
    for page, comment in (
        (gwen, "Gwen: all must-meet criteria met"),
        (gil, "Gil: checked twice, all met"),
    ):
        forms[page] = open_task(page, "Check gate readiness", tab="My queues")
        fill_readiness(forms[page], comment)
    shot(gwen, "gwen filled the readiness check")
    shot(gil, "gil filled the same readiness check")

    complete(forms[gwen])
    expect(flash(gwen, "Decide gate sent to Sam Sponsor")).to_be_visible()
    shot(gwen, "gwen submitted first")

    complete(forms[gil])
    conflict = gil.get_by_role("alert").filter(has_text="This task moved on.")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else completed or claimed this task")
    expect(conflict).to_contain_text("Gwen Governance")
    form = task_form(gil)
    expect(form.get_by_label("Comment", exact=True)).to_have_value("Gil: checked twice, all met")
    expect(form.get_by_label("Ready for the gate decision", exact=True)).to_be_checked()
    shot(gil, "gil sees the conflict with the input kept")
    inbox(gil, "My queues")
    expect(gil.get_by_text("Nothing waiting in your queues.")).to_be_visible()


def test_sponsor_decides_from_a_phone_without_horizontal_scrolling(login_as, seed, shot):
    seed(_at_gate_1_decision, "PRJ-505")

    sam = login_as("sam", **IPHONE)
    assert fits_width(sam), "the inbox scrolls sideways on a phone"
    expect(inbox_row(sam, "Decide gate")).to_contain_text("PRJ-505")
    shot(sam, "inbox on a phone")
    sam.get_by_role("link", name="Decide gate", exact=True).click()
    expect(sam.get_by_role("heading", level=1)).to_contain_text("Decide gate")
    form = decide(sam, "Go")
    assert fits_width(sam), "the decision page scrolls sideways on a phone"
    shot(sam, "decision page on a phone")
    form.get_by_role("button", name="Submit decision").click()
    expect(flash(sam, "Prepare project plan sent to Pat Manager")).to_be_visible()
    assert fits_width(sam)
    shot(sam, "decided on a phone")
