"""Glue between the project views and their forms: choices, commands, messages, page links."""

from flask import request
from flask import url_for

from forms.common import select_choices
from forms.projects import NewProjectForm
from forms.projects import ProjectFilterForm

from ..services.inbox import Page
from ..services.inbox import ProjectFilter
from ..services.library import lifecycle_definitions
from ..services.projects import DEFAULT_LIFECYCLE
from ..services.projects import NewProject
from ..services.projects import people_with_role


def _people(role: str, blank: str) -> list:
    return [("", blank)] + [(u.username, u.display_name) for u in people_with_role(role)]


def fill_new_project_choices(form: NewProjectForm) -> None:
    form.pm.choices = select_choices(_people("pm", "Select a project manager…"))
    form.sponsor.choices = select_choices(_people("sponsor", "Select a sponsor…"))
    lifecycles = lifecycle_definitions()
    form.lifecycle.choices = select_choices([(d.process_id, d.name) for d in lifecycles])
    if not form.is_submitted() and not form.lifecycle.data:
        form.lifecycle.data = DEFAULT_LIFECYCLE


def new_project_command(form: NewProjectForm) -> NewProject:
    return NewProject(
        code=form.code.data,
        name=form.name.data,
        pm=form.pm.data,
        sponsor=form.sponsor.data,
        budget=form.budget.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        description=form.description.data or None,
        lifecycle=form.lifecycle.data or None,
    )


def fill_filter_choices(form: ProjectFilterForm) -> None:
    stages: list[str] = []
    for definition in lifecycle_definitions():
        stages += [s for s in definition.stages if s not in stages]
    form.stage.choices = select_choices([("", "Any stage")] + [(s, s) for s in stages])
    ids = [("", "Any project manager")]
    form.pm.choices = select_choices(
        ids + [(str(u.id), u.display_name) for u in people_with_role("pm")]
    )
    form.sponsor.choices = select_choices(
        [("", "Any sponsor")] + [(str(u.id), u.display_name) for u in people_with_role("sponsor")]
    )


def project_filter(form: ProjectFilterForm) -> ProjectFilter:
    return ProjectFilter(
        search=form.q.data or None,
        stage=form.stage.data or None,
        status=form.status.data or None,
        pm_id=_int(form.pm.data),
        sponsor_id=_int(form.sponsor.data),
    )


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def page_url(number: int) -> str:
    """This page of results again, with the same filters."""
    args = {**request.args.to_dict(), **(request.view_args or {}), "page": number}
    return url_for(request.endpoint, **args)


def page_links(page: Page) -> dict:
    return {
        "prev": page_url(page.page - 1) if page.has_prev else None,
        "next": page_url(page.page + 1) if page.has_next else None,
    }


def started_message(project, tasks) -> str:
    """The flash after a start, e.g. PRJ-1 started: Prepare project charter sent to Pat Manager."""
    sent = [f"{t.title} sent to {t.holder_name}" for t in tasks]
    return f"{project.code} started: " + "; ".join(sent) if sent else f"{project.code} started."
