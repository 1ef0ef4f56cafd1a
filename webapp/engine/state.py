"""Workflow state to text and back, without the process spec.

SpiffWorkflow's serializer embeds the whole spec in every saved workflow (60 % of the bytes
and most of the load time). A deployed version is immutable and cached in memory, so we store
only the running state and re-attach the cached spec objects on load. Loading also re-attaches
our sandboxed script engine, which SpiffWorkflow does not serialize.
"""

import json
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

from .scripting import make_script_engine

SERIALIZER_VERSION = BpmnWorkflowSerializer().VERSION
# Bump when our own envelope changes; stored on every row so old rows can be migrated.
STATE_VERSION = f"spiff-{SERIALIZER_VERSION}/tollgate-1"


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _registry():
    config = dict(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    return BpmnWorkflowSerializer.configure(config)


# Spiff's fast "encoder mode" is a flag on the registry, so each thread gets its own registry.
_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    if not hasattr(_local, "serializer"):
        _local.serializer = BpmnWorkflowSerializer(_registry())
    return _local.serializer


def dumps(workflow: BpmnWorkflow) -> str:
    serializer = _serializer()
    registry = serializer.registry
    registry._encoder_mode = True
    try:
        dct = registry.convert(workflow)
        return json.dumps(dct, cls=serializer._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False


def loads(text: str, spec, subprocess_specs, script_timeout: float = 1.0) -> BpmnWorkflow:
    registry = _serializer().registry
    workflow = registry.restore(json.loads(text), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = make_script_engine(script_timeout)
    return workflow
