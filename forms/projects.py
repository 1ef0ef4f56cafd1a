"""Project forms: start a project, filter the list, close a condition, reassign a task.

Not task forms, so they are not in FORM_REGISTRY. Choices (people, lifecycles, stages) are set
by the view from the database; the forms themselves never query it. Who may be PM or sponsor,
code uniqueness and the lifecycle are checked by the service (`start_project`), which answers
with messages the view puts back on these fields.
"""

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from .common import amount_field
from .common import select_choices
from .common import strip_text
from .common import text_area
from .common import text_field

PROJECT_STATUS_CHOICES = [
    ("active", "Active"),
    ("on_hold", "On hold"),
    ("killed", "Killed"),
    ("closed", "Closed"),
]


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class NewProjectForm(FlaskForm):
    """Start a project: its identity, the people accountable for it and the lifecycle it runs."""

    name = text_field("Name", required=True)
    code = StringField(
        "Code",
        validators=[DataRequired(), Length(min=2, max=32)],
        filters=[_upper],
        description="Unique, e.g. PRJ-042: letters, digits, - or _.",
    )
    # validate_choice=False: the service says precisely why a person does not fit.
    pm = SelectField("Project manager", validators=[DataRequired()], validate_choice=False)
    sponsor = SelectField("Sponsor", validators=[DataRequired()], validate_choice=False)
    budget = amount_field("Budget", description="In the project's currency.")
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    description = text_area("Description", rows=3)
    lifecycle = SelectField(
        "Lifecycle",
        validators=[DataRequired()],
        validate_choice=False,
        description="The stage-gate process the project follows.",
    )
    submit = SubmitField("Start project")


class ProjectFilterForm(FlaskForm):
    """The project list's search and filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("Search", filters=[strip_text], render_kw={"placeholder": "Code or name"})
    stage = SelectField("Stage", validate_choice=False)
    status = SelectField(
        "Status",
        choices=select_choices([("", "Any status"), *PROJECT_STATUS_CHOICES]),
        validate_choice=False,
    )
    pm = SelectField("Project manager", validate_choice=False)
    sponsor = SelectField("Sponsor", validate_choice=False)


class CloseConditionForm(FlaskForm):
    note = StringField(
        "Closing note",
        validators=[Optional(), Length(max=500)],
        description="Optional: how it was met.",
    )
    submit = SubmitField("Close condition")


class ReassignTaskForm(FlaskForm):
    """PMO and administrators hand an open task to someone; choices are set by the view."""

    assignee = SelectField("Assign to", validators=[DataRequired()])
    submit = SubmitField("Reassign")
