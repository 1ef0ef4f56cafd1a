"""Web-only forms of the inbox: list filters (GET, no CSRF)."""

from wtforms import Form
from wtforms import SelectField
from wtforms.validators import Optional

from ..services.inbox import InboxFilter


class InboxFilterForm(Form):
    """Read from the query string; a value the choices do not offer is simply ignored."""

    project = SelectField("Project", validators=[Optional()])
    stage = SelectField("Stage", validators=[Optional()])
    type = SelectField("Task type", validators=[Optional()])

    def set_choices(self, options) -> None:
        self.project.choices = [("", "All projects"), *[(str(i), n) for i, n in options.projects]]
        self.stage.choices = [("", "All stages"), *[(s, s) for s in options.stages]]
        self.type.choices = [("", "All task types"), *options.task_types]

    def to_filter(self) -> InboxFilter:
        def offered(field):
            return field.data if field.data in {str(c[0]) for c in field.choices} else None

        project = offered(self.project)
        return InboxFilter(
            project_id=int(project) if project else None,
            stage=offered(self.stage) or None,
            form_key=offered(self.type) or None,
        )

    @property
    def active(self) -> bool:
        return any(self.to_filter().__dict__.values())
