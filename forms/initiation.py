"""Forms of the initiation and planning stages: the charter and the baseline plan."""

from wtforms import DateField
from wtforms.validators import InputRequired

from .common import TaskForm
from .common import amount_field
from .common import text_area


class ProjectCharterForm(TaskForm):
    """`project_charter`: what the project is for, what it covers and why it is worth doing."""

    objectives = text_area(
        "Objectives",
        required=True,
        description="What the project must achieve, ideally as measurable outcomes.",
    )
    scope = text_area(
        "Scope",
        required=True,
        description="What is in scope and, just as important, what is out of scope.",
    )
    business_case = text_area(
        "Business case",
        required=True,
        description="Why the organisation should invest: the problem, options and expected return.",
    )
    key_risks = text_area(
        "Key risks", description="The few risks that could stop the project, one per line."
    )
    target_benefits = text_area(
        "Target benefits",
        description="The benefits the sponsor will be held to, with a measure and a date.",
    )
    estimated_cost = amount_field(
        "Estimated cost", description="Rough order of magnitude, in the project's currency."
    )


class ProjectPlanForm(TaskForm):
    """`project_plan`: the baseline that later stages and change requests are measured against."""

    schedule_summary = text_area(
        "Schedule summary",
        required=True,
        description="The main phases and how long each is expected to take.",
    )
    baseline_budget = amount_field(
        "Baseline budget",
        required=True,
        description="The approved budget in the project's currency; changes need a change request.",
    )
    baseline_end_date = DateField(
        "Baseline end date",
        validators=[InputRequired()],
        description="The date the project is planned to finish.",
    )
    key_milestones = text_area(
        "Key milestones", description="One milestone per line, with its planned date."
    )
    resource_plan = text_area(
        "Resource plan", description="The teams and roles needed, and when they are needed."
    )
