"""Drive real workflows by task name, with no app and no database (SpiffWorkflow's
BpmnWorkflowTestCase style: named steps, save/restore round trips)."""

from pathlib import Path

from forms import FORM_REGISTRY
from webapp.engine import runner
from webapp.engine import state
from webapp.engine.specs import validate_bundle
from webapp.roles import accepted_role_names
from webapp.services.library import read_library

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

_BUNDLE = None


def bundle():
    global _BUNDLE
    if _BUNDLE is None:
        _BUNDLE = validate_bundle(
            read_library([WORKFLOWS]),
            roles=accepted_role_names(),
            form_keys=frozenset(FORM_REGISTRY),
        )
    return _BUNDLE


class Walk:
    """One workflow, driven by task name."""

    def __init__(self, process_id="project_lifecycle", data=None):
        self.process_id = process_id
        spec, subprocess_specs = bundle().spec(process_id)
        self.wf = runner.start(spec, subprocess_specs, data or {})

    def ready(self):
        return runner.ready_tasks(self.wf)

    def names(self):
        return sorted(view.name for view in self.ready())

    def do(self, name, **data):
        matches = [v for v in self.ready() if v.name == name]
        assert matches, f"{name} is not ready; ready: {self.names()}"
        return runner.complete(self.wf, matches[0].id, data)

    def stage(self):
        return runner.current_stage(self.wf)

    def roundtrip(self):
        """Save and restore, as every request does; the state must survive unchanged."""
        spec, subprocess_specs = bundle().spec(self.process_id)
        text = state.dumps(self.wf)
        self.wf = state.loads(text, spec, subprocess_specs)
        assert state.dumps(self.wf) == text
        return self

    def gate(self, decision, readiness=True, **decision_data):
        self.do("submit_gate_package")
        self.do("check_gate_readiness", readiness_passed=readiness)
        if not readiness:
            return self
        for view in [v for v in self.ready() if v.name == "score_gate"]:
            runner.complete(self.wf, view.id, {"recommendation": "go"})
        self.do("decide_gate", decision=decision, **decision_data)
        return self.roundtrip()
