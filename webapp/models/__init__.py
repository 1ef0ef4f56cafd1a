"""All models, imported here so Alembic and the app see every table."""

from .audit import AuditEvent
from .gate import GateCondition
from .gate import GateDecision
from .gate import GateScore
from .human_task import HumanTask
from .human_task import TaskCandidate
from .process import ProcessDefinition
from .process import ProcessFile
from .process import ProcessVersion
from .project import Project
from .project import StageHistory
from .user import ApiToken
from .user import User
from .user import UserRole
from .workflow_instance import WorkflowInstance

__all__ = [
    "ApiToken",
    "AuditEvent",
    "GateCondition",
    "GateDecision",
    "GateScore",
    "HumanTask",
    "ProcessDefinition",
    "ProcessFile",
    "ProcessVersion",
    "Project",
    "StageHistory",
    "TaskCandidate",
    "User",
    "UserRole",
    "WorkflowInstance",
]
