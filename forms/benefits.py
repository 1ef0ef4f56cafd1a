"""Benefits review after handover: did the project deliver what the business case promised?"""

from .common import TaskForm
from .common import amount_field
from .common import choice_field
from .common import text_area

BENEFITS_REALISATION = [
    ("fully", "Fully realised"),
    ("partly", "Partly realised"),
    ("not_realised", "Not realised"),
]


class BenefitsReviewForm(TaskForm):
    """`benefits_review`."""

    benefits_realised = choice_field(
        "Benefits realised",
        BENEFITS_REALISATION,
        description="Compared with the target benefits in the charter.",
    )
    realised_value = amount_field(
        "Realised value",
        minimum=None,
        description="Measured value of the benefits so far, in the project's currency.",
    )
    notes = text_area(
        "Notes", description="Evidence, measures used, and any follow-up actions with owners."
    )
