"""Forms of project closure: lessons learned and the closure record."""

from .common import TaskForm
from .common import amount_field
from .common import choice_field
from .common import text_area

CLOSURE_REASONS = [
    ("completed", "Completed: objectives delivered"),
    ("completed_reduced_scope", "Completed with reduced scope"),
    ("stopped_at_gate", "Stopped by a gate decision"),
    ("cancelled", "Cancelled by the sponsor"),
    ("merged", "Merged into another project"),
]


class LessonsLearnedForm(TaskForm):
    """`lessons_learned`: at least one of the three questions must be answered."""

    went_well = text_area("What went well?", description="Practices worth repeating.")
    to_improve = text_area(
        "What should be improved?", description="What slowed the project down or went wrong."
    )
    recommendations = text_area(
        "Recommendations", description="Concrete advice for future projects or for the PMO."
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.went_well.data or self.to_improve.data or self.recommendations.data):
            self.went_well.errors.append("Record at least one lesson in any of these fields.")
            valid = False
        return valid


class ClosureRecordForm(TaskForm):
    """`closure_record`: why and how the project closed."""

    closure_reason = choice_field("Closure reason", CLOSURE_REASONS)
    final_cost = amount_field(
        "Final cost", description="Actual total cost in the project's currency, if known."
    )
    notes = text_area(
        "Notes", description="Open items handed over, contracts closed, archive location."
    )
