"""Our CamundaParser: keeps the Camunda 7 assignment attributes the stock parser drops."""

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS
from SpiffWorkflow.camunda.parser.task_spec import UserTaskParser
from SpiffWorkflow.camunda.specs.user_task import UserTask

# camunda:* attributes copied into task_spec.extensions under these keys. The stock parser
# keeps only camunda:properties there, so the "camunda:" prefix cannot clash with them.
ASSIGNMENT_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate")


def extension_key(attribute: str) -> str:
    return f"camunda:{attribute}"


class AssigningUserTaskParser(UserTaskParser):
    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        for attribute in ASSIGNMENT_ATTRIBUTES:
            value = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}{attribute}")
            if value is not None and value.strip():
                extensions[extension_key(attribute)] = value.strip()
        return extensions


class TollgateParser(CamundaParser):
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("userTask"): (AssigningUserTaskParser, UserTask),
    }
