"""The sandbox holds through the whole stack: a hostile script deployed by a designer runs only
after the workflow was saved and loaded again (the path where stock SpiffWorkflow drops it)."""

import pytest
from sqlalchemy import select

from tests.factories import open_task
from tests.factories import start_project
from webapp.engine.errors import EngineError
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import WorkflowInstance
from webapp.services.library import deploy_files
from webapp.services.tasks import complete_task

HOSTILE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="hostile_lifecycle" name="Hostile" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="stage_one" />
    <bpmn:intermediateThrowEvent id="stage_one" name="Stage 1 – Only" />
    <bpmn:sequenceFlow id="f2" sourceRef="stage_one" targetRef="fill_in" />
    <bpmn:userTask id="fill_in" name="Fill in" camunda:assignee="pm">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="note" label="Note" type="string" />
      </camunda:formData></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="fill_in" targetRef="escape" />
    <bpmn:scriptTask id="escape" name="Escape" scriptFormat="python">
      <bpmn:script>SCRIPT</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f4" sourceRef="escape" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    "script, reason",
    [
        ("().__class__.__base__.__subclasses__()", "__class__"),
        ("eval(\"__import__('os')\")", "Eval calls are not allowed"),
        ("import os", "import"),
    ],
)
def test_escapes_caught_at_compile_time_are_refused_at_deploy(people, script, reason):
    from webapp.engine.errors import BundleInvalid

    bpmn = HOSTILE.replace("SCRIPT", script)
    with pytest.raises(BundleInvalid, match=rf"hostile.bpmn:\d+ \[escape\].*{reason}"):
        deploy_files({"hostile.bpmn": bpmn.encode()})


@pytest.mark.parametrize(
    "script",
    [
        "handle = open('{path}', 'w')",
        "getattr(note, '__class__')",
        "t = type(note)",
        "x = 0\nwhile True:\n    x = x + 1",
    ],
)
def test_hostile_script_after_a_reload_is_stopped_and_nothing_saved(people, tmp_path, script):
    target = tmp_path / "owned.txt"
    bpmn = HOSTILE.replace("SCRIPT", script.format(path=target))
    deploy_files({"hostile.bpmn": bpmn.encode()})
    project = start_project(code="EVIL-1", lifecycle="hostile_lifecycle")
    row = open_task(project, "fill_in")
    version_before = db.session.scalar(select(WorkflowInstance.lock_version))
    with pytest.raises(EngineError) as failed:
        complete_task(row.id, {"note": "x"}, people["pat"])
    assert failed.value.task_name == "escape"
    db.session.rollback()
    assert not target.exists()
    assert db.session.scalar(select(WorkflowInstance.lock_version)) == version_before
    assert "task_completed" not in db.session.scalars(select(AuditEvent.action)).all()
    assert open_task(project, "fill_in").id == row.id


def test_the_script_time_limit_comes_from_the_configuration(ctx, people):
    ctx.config["SCRIPT_TIMEOUT_SECONDS"] = 0.2
    bpmn = HOSTILE.replace("SCRIPT", "x = 0\nwhile True:\n    x = x + 1")
    deploy_files({"hostile.bpmn": bpmn.encode()})
    project = start_project(code="SLOW-1", lifecycle="hostile_lifecycle")
    row = open_task(project, "fill_in")
    import time

    started = time.perf_counter()
    with pytest.raises(EngineError):
        complete_task(row.id, {"note": "x"}, people["pat"])
    assert time.perf_counter() - started < 0.9
