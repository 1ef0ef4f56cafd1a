"""Forms of the gate review: submission, readiness check, scoring and the decision itself.

Data contract read by BPMN conditions: `gate_readiness` sets `readiness_passed` (bool);
`gate_decision` and `recycle_escalation` set `decision` (one of the GATE_DECISIONS values).
"""

from wtforms import BooleanField
from wtforms import DateField
from wtforms import FieldList
from wtforms import Form
from wtforms import FormField
from wtforms import IntegerField
from wtforms import URLField
from wtforms.validators import URL
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from .common import GATE_DECISIONS
from .common import AtLeastOne
from .common import MultiCheckboxField
from .common import TaskForm
from .common import choice_field
from .common import select_choices
from .common import strip_text
from .common import text_area
from .common import text_field
from .common import to_json_value

GATE_DELIVERABLES = [
    ("business_case", "Business case"),
    ("project_charter", "Project charter"),
    ("project_plan", "Project plan"),
    ("risk_register", "Risk register"),
    ("budget_baseline", "Budget baseline"),
    ("stakeholder_signoff", "Stakeholder sign-off"),
    ("acceptance_evidence", "Test / acceptance evidence"),
    ("handover_plan", "Handover plan"),
]

# Must-meet criteria: every one must hold before a project may face the gate (name, label, help).
MUST_MEET_CRITERIA = [
    (
        "package_complete",
        "Gate package complete",
        "Every deliverable this gate asks for is submitted and up to date.",
    ),
    (
        "strategic_alignment",
        "Strategic alignment",
        "The project still supports an approved strategic objective.",
    ),
    ("risks_assessed", "Risks assessed", "Major risks are identified, rated and have owners."),
    (
        "funding_available",
        "Funding available",
        "Budget for the next stage is available or formally requested.",
    ),
]

# Should-meet criteria: scored 1-5 (name, label, weight); weights add up to 1.
SHOULD_MEET_CRITERIA = [
    ("strategic_fit", "Strategic fit", 0.3),
    ("business_value", "Business value", 0.3),
    ("risk", "Risk (5 = low)", 0.2),
    ("feasibility", "Delivery feasibility", 0.2),
]


def weighted_score(data) -> float:
    """The weighted should-meet total out of 5, rounded to 2 decimals.

    `data` maps each SHOULD_MEET_CRITERIA name to a 1-5 score; a missing score is an error
    rather than a silent zero.
    """
    missing = [name for name, _, _ in SHOULD_MEET_CRITERIA if data.get(name) is None]
    if missing:
        raise ValueError(f"missing should-meet scores: {', '.join(missing)}")
    total_weight = sum(weight for _, _, weight in SHOULD_MEET_CRITERIA)
    total = sum(float(data[name]) * weight for name, _, weight in SHOULD_MEET_CRITERIA)
    return round(total / total_weight, 2)


class _ScoredForm(TaskForm):
    """Base of the forms that carry one 1-5 score per should-meet criterion."""


for _name, _label, _weight in SHOULD_MEET_CRITERIA:
    setattr(
        _ScoredForm,
        _name,
        IntegerField(
            _label,
            validators=[
                InputRequired(),
                NumberRange(min=1, max=5, message="Score from 1 (poor) to 5 (excellent)."),
            ],
            description=f"1 = poor, 5 = excellent. Weight {_weight:.0%}.",
        ),
    )


class GateSubmissionForm(TaskForm):
    """`gate_submission`: the project manager hands the gate package to the gatekeepers."""

    deliverables = MultiCheckboxField(
        "Deliverables in the package",
        choices=select_choices(GATE_DELIVERABLES),
        validators=[AtLeastOne("Tick at least one deliverable included in the package.")],
        description="Tick every deliverable the gatekeepers will find in the package.",
    )
    summary = text_area(
        "Summary for the gatekeepers",
        required=True,
        description="Progress since the last gate, open issues and what you ask the gate for.",
    )
    package_link = URLField(
        "Link to the gate package",
        validators=[Optional(), Length(max=2000), URL(require_tld=False)],
        filters=[strip_text],
        description="Optional: where the documents live (SharePoint, Confluence, shared drive).",
    )

    def validate_package_link(self, field):
        if not field.data.lower().startswith(("http://", "https://")):
            raise ValidationError("Use a web link starting with http:// or https://.")


class _MustMeetForm(TaskForm):
    """Base of the readiness form: one checkbox per must-meet criterion, in list order."""


for _name, _label, _help in MUST_MEET_CRITERIA:
    setattr(_MustMeetForm, _name, BooleanField(_label, description=_help))


class GateReadinessForm(_MustMeetForm):
    """`gate_readiness`: the PMO checks the must-meet criteria before the gate meets."""

    readiness_passed = BooleanField(
        "Ready for the gate decision",
        description="Tick only when every must-meet criterion above is met.",
    )
    readiness_comment = text_area(
        "Comment",
        description="Required when the project is not ready: say what is missing and who acts.",
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        unmet = [label for name, label, _ in MUST_MEET_CRITERIA if not self[name].data]
        if self.readiness_passed.data and unmet:
            self.readiness_passed.errors.append(
                "Cannot be ready while a must-meet criterion is not met: " + ", ".join(unmet) + "."
            )
            valid = False
        if not self.readiness_passed.data and not self.readiness_comment.data:
            self.readiness_comment.errors.append("Explain what is missing before the gate.")
            valid = False
        return valid


class GateScoreForm(_ScoredForm):
    """`gate_score`: one gatekeeper scores the should-meet criteria and recommends a decision."""

    recommendation = choice_field("Your recommendation", GATE_DECISIONS)
    comment = text_area("Comment", description="Optional: what drove your scores.")


class GateConditionForm(Form):
    """One condition of a conditional go. A row left completely blank is ignored."""

    description = text_field("Condition", description="What must be done.", max_length=500)
    owner = text_field("Owner", description="Username of the person responsible.", max_length=80)
    due_date = DateField("Due date", validators=[Optional()])

    def is_blank(self) -> bool:
        typed_date = any(str(value).strip() for value in self.due_date.raw_data or ())
        return not (self.description.data or self.owner.data or self.due_date.data or typed_date)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        for field in (self.description, self.owner, self.due_date):
            if field.data is None or field.data == "":
                if not field.errors:
                    field.errors.append(
                        "Each condition needs a description, an owner and a due date."
                    )
                valid = False
        return valid


class GateDecisionForm(_ScoredForm):
    """`gate_decision`: the gatekeepers' decision, with its scores, rationale and conditions."""

    decision = choice_field("Gate decision", GATE_DECISIONS)
    rationale = text_area(
        "Rationale",
        description="Why the gate decided this. Required for every decision except Go.",
    )
    conditions = FieldList(
        FormField(GateConditionForm),
        "Conditions",
        min_entries=0,
        description="Only for a conditional go: what must be done, by whom and by when.",
    )

    def filled_conditions(self) -> list[GateConditionForm]:
        return [entry.form for entry in self.conditions if not entry.form.is_blank()]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        decision = self.decision.data
        if decision and decision != "go" and not self.rationale.data:
            self.rationale.errors.append("Explain the decision: a rationale is required.")
            valid = False
        filled = self.filled_conditions()
        if decision == "conditional_go" and not filled:
            self.conditions.errors.append(
                "A conditional go needs at least one condition with an owner and a due date."
            )
            valid = False
        elif decision and decision != "conditional_go" and filled:
            self.conditions.errors.append(
                "Only a conditional go carries conditions: remove them or change the decision."
            )
            valid = False
        return valid

    def to_data(self) -> dict:
        data = super().to_data()
        data["conditions"] = [to_json_value(form.data) for form in self.filled_conditions()]
        scores = {name: self[name].data for name, _, _ in SHOULD_MEET_CRITERIA}
        try:
            data["score_total"] = weighted_score(scores)
        except ValueError:  # an unvalidated form: no total rather than a wrong one
            data["score_total"] = None
        return data


class ResumeGateForm(TaskForm):
    """`resume_gate`: bring a project on hold back to its gate."""

    resume_note = text_area(
        "Why the gate can resume",
        required=True,
        description="What changed since the hold, and what the gatekeepers should look at again.",
    )


class RecycleEscalationForm(TaskForm):
    """`recycle_escalation`: settle an escalated recycle: rework once more, or stop the project."""

    decision = choice_field(
        "Decision",
        [choice for choice in GATE_DECISIONS if choice[0] in ("recycle", "kill")],
        description="Recycle sends the project back to rework its package; Kill stops it.",
    )
    rationale = text_area("Rationale", required=True, description="Why this is the right call.")
