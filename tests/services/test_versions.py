"""Deployed versions are immutable: running projects stay on theirs, new ones get the latest."""

from sqlalchemy import select

from tests.factories import WORKFLOWS
from tests.factories import complete
from tests.factories import open_task
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import AuditEvent
from webapp.models import ProcessVersion
from webapp.models import WorkflowInstance
from webapp.services.library import deploy_files
from webapp.services.library import read_library


def _renamed_library():
    files = read_library([WORKFLOWS])
    path = "stage_gate/project_lifecycle.bpmn"
    files[path] = files[path].replace(
        b'name="Prepare project charter"', b'name="Draft the project charter"'
    )
    assert b"Draft the project charter" in files[path]
    return files


def test_running_projects_keep_their_version_new_projects_get_the_latest(people):
    first = deploy_files(read_library([WORKFLOWS]))
    assert first.created
    old = start_project(code="OLD-1")
    second = deploy_files(_renamed_library())
    assert second.created and second.version.id != first.version.id
    new = start_project(code="NEW-1")
    assert open_task(old, "prepare_charter").title == "Prepare project charter"
    assert open_task(new, "prepare_charter").title == "Draft the project charter"
    versions = {i.project_id: i.version_id for i in db.session.scalars(select(WorkflowInstance))}
    assert versions == {old.id: first.version.id, new.id: second.version.id}
    complete(old, "prepare_charter")  # the old project still runs on its own version
    assert open_task(old, "submit_gate_package")


def test_redeploying_identical_content_is_a_no_op(people):
    first = deploy_files(read_library([WORKFLOWS]))
    again = deploy_files(read_library([WORKFLOWS]))
    assert not again.created and again.version.id == first.version.id
    assert db.session.scalar(select(db.func.count(ProcessVersion.id))) == 1
    deploys = db.session.scalars(select(AuditEvent).filter_by(action="deploy")).all()
    assert len(deploys) == 1 and deploys[0].details["lifecycles"] == [
        "light_lifecycle",
        "project_lifecycle",
    ]
