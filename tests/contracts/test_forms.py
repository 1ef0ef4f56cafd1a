"""BPMN and forms agree: every formKey resolves, every generated form can be built."""

import ast
from pathlib import Path
from types import SimpleNamespace

from lxml import etree

from forms import FORM_REGISTRY
from forms import build_form_class

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _parser():
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _bpmn_files():
    return sorted(WORKFLOWS.rglob("*.bpmn"))


def _user_tasks():
    for path in _bpmn_files():
        root = etree.parse(str(path), _parser()).getroot()
        for task in root.iter(f"{{{BPMN}}}userTask"):
            yield path.relative_to(ROOT), task


def _form_fields(task):
    fields = task.findall(f".//{{{CAMUNDA}}}formData/{{{CAMUNDA}}}formField")
    return [
        SimpleNamespace(
            id=field.get("id"),
            label=field.get("label"),
            type=field.get("type") or "string",
            default=field.get("defaultValue"),
            options=[
                (value.get("id"), value.get("name") or value.get("id"))
                for value in field.findall(f"{{{CAMUNDA}}}value")
            ],
        )
        for field in fields
    ]


def test_every_form_key_is_registered():
    """Tasks that carry camunda:formData generate their form, so their key may be unregistered."""
    missing = []
    for path, task in _user_tasks():
        key = task.get(f"{{{CAMUNDA}}}formKey")
        if key and key not in FORM_REGISTRY and not _form_fields(task):
            missing.append(f"{path}: task {task.get('id')} uses formKey {key!r}")
    assert not missing, "form keys not in forms.FORM_REGISTRY:\n" + "\n".join(missing)


def test_every_generated_form_builds():
    problems = []
    for path, task in _user_tasks():
        fields = _form_fields(task)
        if fields and task.get(f"{{{CAMUNDA}}}formKey") not in FORM_REGISTRY:
            try:
                build_form_class(fields)
            except ValueError as exc:
                problems.append(f"{path}: task {task.get('id')}: {exc}")
    assert not problems, "\n".join(problems)


def test_forms_import_neither_flask_nor_webapp():
    """Forms only need wtforms and flask_wtf; the app and its models stay out."""
    offenders = []
    for path in sorted((ROOT / "forms").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("flask", "webapp"):
                    offenders.append(f"{path.relative_to(ROOT)}: import {name}")
    assert not offenders, "\n".join(offenders)
