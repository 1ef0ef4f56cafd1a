import time
from tests.factories import complete, open_tasks, pass_gate, start_project, open_task
from webapp.extensions import db

def dump(p):
    for r in open_tasks(p):
        print(p.code, r.id, r.task_name, r.form_key, r.gate, r.stage, r.assignee and r.assignee.username,
              [(c.role, c.user_id) for c in r.candidates])

def test_world(people, library):
    t=time.time()
    a = start_project(code="PRJ-A")
    complete(a, "prepare_charter")
    pass_gate(a)
    dump(a)
    complete(a, "prepare_project_plan")
    dump(a)
    complete(a, "submit_gate_package")
    dump(a)
    complete(a, "check_gate_readiness")
    dump(a)
    print("t", time.time()-t)
