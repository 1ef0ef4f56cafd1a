"""SpiffWorkflow silently loses tasks past depth 1000; we refuse to save before that."""

from pathlib import Path

import pytest

from webapp.engine import runner
from webapp.engine.errors import TreeTooDeep
from webapp.engine.specs import parse_bundle

LOOP = Path(__file__).resolve().parent.parent / "data" / "loop.bpmn"


def _loop_workflow():
    bundle = parse_bundle({"loop.bpmn": LOOP.read_bytes()})
    return runner.start(*bundle.spec("loop"))


def test_depth_grows_with_each_loop_and_is_refused_before_spiff_loses_tasks():
    wf = _loop_workflow()
    depths = []
    while True:
        (task,) = runner.ready_tasks(wf)
        runner.complete(wf, task.id, {"again": True})
        depth = runner.tree_depth(wf)
        depths.append(depth)
        if depth > runner.MAX_TREE_DEPTH:
            break
        runner.ensure_bounded(wf)
    assert depths == sorted(depths)
    # still visible to Spiff at this depth, so nothing is lost yet ...
    assert len(runner.ready_tasks(wf)) == 1
    # ... and our guard refuses to save it
    with pytest.raises(TreeTooDeep, match="Move the recurring loop into its own instance"):
        runner.ensure_bounded(wf)


def test_short_workflows_are_far_from_the_limit():
    wf = _loop_workflow()
    runner.ensure_bounded(wf)
    assert runner.tree_depth(wf) < 10
