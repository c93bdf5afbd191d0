"""Imports run one way: models and foundation ← areas ← presenters ← views; nothing imports views.

Only the app factory (patrol/__init__.py) and the command line reach across every layer: they wire
the layers together (blueprints, hooks, the robots' wording).
"""

import ast
from pathlib import Path

import patrol

PACKAGE = Path(patrol.__file__).parent
AREAS = (
    "accounts",
    "alerts",
    "demo",
    "exports",
    "inspections",
    "modelrooms",
    "photos",
    "reporting",
    "rounds",
    "scores",
    "setup",
    "tasks",
)
LAYERS = {"presenters": 2, "views": 3} | dict.fromkeys(AREAS, 1)
WIRING = {"patrol", "patrol.cli", "patrol.__main__"}


def layer(module: str) -> int:
    """0 for models and the foundation (database, i18n, vocabulary, access, …)."""
    parts = module.split(".")
    return LAYERS.get(parts[1], 0) if len(parts) > 1 else 4


def imports_of(path: Path, module: str):
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            target = ".".join(part for part in (base, node.module) if part)
            yield from (f"{target}.{alias.name}" for alias in node.names)


def test_no_module_imports_a_layer_above_its_own():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        if module in WIRING:
            continue
        for target in imports_of(path, module):
            if target.startswith("patrol.") and layer(target) > layer(module):
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_the_rule_catches_a_wrong_way_import():
    assert layer("patrol.tasks.workflow") > layer("patrol.models.task")
    assert layer("patrol.views.tasks") > layer("patrol.presenters.tasks") > layer("patrol.tasks.rules")
