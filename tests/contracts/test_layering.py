"""Lower layers never import upper ones: routes → services → (engine, documents, models)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RULES = {
    "webapp/engine": ("flask", "webapp.models", "webapp.services", "webapp.extensions", "forms"),
    "webapp/services": (
        "flask_login",
        "webapp.auth",
        "webapp.inbox",
        "webapp.projects",
        "webapp.admin",
        "webapp.api",
    ),
    "webapp/models": ("webapp.services", "webapp.engine"),
    "forms": ("webapp", "flask_sqlalchemy", "sqlalchemy"),
}
FORBIDDEN_IN_SERVICES = {
    ("flask", "request"),
    ("flask", "flash"),
    ("flask", "abort"),
    ("flask", "g"),
    ("flask", "session"),
}


def _imports(path: Path):
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield module, alias.name


@pytest.mark.parametrize("folder", sorted(RULES))
def test_layer_imports_only_downwards(folder):
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for module, name in _imports(path):
            if any(module == f or module.startswith(f + ".") for f in RULES[folder]):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
            if folder == "webapp/services" and (module, name) in FORBIDDEN_IN_SERVICES:
                bad.append(f"{path.relative_to(ROOT)} imports {name} from flask")
    assert bad == []
