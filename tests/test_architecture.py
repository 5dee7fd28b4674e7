"""The arrows between the apps point one way (docs/architecture.md, "Apps and arrows").

Every module of every app is parsed (not imported), so an import inside a function, under
TYPE_CHECKING or in a migration counts as much as one at the top, and so does a model field
that names another app's model as "app.Model".
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module may import its own app and the apps of lower layers; apps of one
# layer do not import each other. Keep in step with the table in docs/architecture.md.
LAYERS: list[set[str]] = [
    {"core"},  # errors, folders, view helpers, outbox core, registry: imports no app
    {"shops"},  # shops, people, roles, audit, alerts
    {"accounts", "orders"},  # sign-in and MFA; the order book
    {"amazon1p"},  # the SP-API boundary, importing, acknowledgements, picks
    {"asn", "bulkbuy"},  # group shipments and ASNs; Bulk Buy offers
    {"receiving"},  # what Amazon received of our shipments
    {"invoicing"},  # invoices and credit notes to Amazon
    {"cockpit"},  # charts over all of the above
    {"ops"},  # health, metrics, the operations page
    {"shopctrl"},  # the project: settings, URLs, Celery, the demo's composition
]
RANK = {app: rank for rank, layer in enumerate(LAYERS) for app in layer}
# The Vendor Central simulator stands outside the layers: it imports nothing of ours, and
# only what runs it (management commands) or seeds the demo may import it.
SIMULATOR = "simulator"
MODEL_FIELDS = {"ForeignKey", "OneToOneField", "ManyToManyField"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level package) of every absolute import and every "app.Model" reference
    of a model field."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = node.args[0]
            if (
                name in MODEL_FIELDS
                and isinstance(target, ast.Constant)
                and isinstance(target.value, str)
                and "." in target.value
            ):
                found.append((node.lineno, target.value.split(".")[0]))
    return sorted(found)


def _imports_of(package: str) -> list[tuple[str, int, str]]:
    """(module path, line, imported package) for every module of `package`."""
    return [
        (str(path.relative_to(ROOT)), line, imported)
        for path in _modules(package)
        for line, imported in _imported(ast.parse(path.read_text(), filename=str(path)))
    ]


def _may_import_simulator(module: str) -> bool:
    parts = Path(module).parts
    return "commands" in parts[:-1] or parts[-1] == "demo.py"


def test_every_app_has_a_layer():
    ours = {
        config.name
        for config in django_apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    }
    assert ours - set(RANK) == set(), "installed apps without a layer"
    assert set(RANK) - ours == {"core"}  # the kernel is a package, not an installed app
    assert SIMULATOR not in ours


@pytest.mark.parametrize("app", sorted(RANK))
def test_app_imports_only_lower_layers(app):
    upward = [
        f"{module}:{line} imports {imported}"
        for module, line, imported in _imports_of(app)
        if imported in RANK and imported != app and RANK[imported] >= RANK[app]
    ]
    assert not upward, (
        f"{app} (layer {RANK[app]}) reaches up or sideways; let the higher app register in "
        "a registry the lower one offers (core/registry.py):\n" + "\n".join(upward)
    )


def test_core_imports_no_app():
    reached = [
        f"{module}:{line} imports {imported}"
        for module, line, imported in _imports_of("core")
        if imported != "core" and (imported in RANK or imported == SIMULATOR)
    ]
    assert not reached, "\n".join(reached)


def test_simulator_imports_nothing_of_ours():
    ours = set(RANK) | {SIMULATOR}
    reached = [
        f"{module}:{line} imports {imported}"
        for module, line, imported in _imports_of(SIMULATOR)
        if imported in ours - {SIMULATOR}
    ]
    assert not reached, "\n".join(reached)


def test_only_commands_and_the_demo_import_the_simulator():
    reached = [
        f"{module}:{line}"
        for app in sorted(RANK)
        for module, line, imported in _imports_of(app)
        if imported == SIMULATOR and not _may_import_simulator(module)
    ]
    assert not reached, "the simulator is for commands and the demo only:\n" + "\n".join(reached)


def test_the_checks_catch_a_lazy_upward_import():
    """The parser sees imports inside functions and model references by name."""
    tree = ast.parse(
        "def f():\n"
        "    from bulkbuy.linking import purchase_orders_link_soon\n"
        "row = models.ForeignKey('receiving.Line', on_delete=None)\n"
    )
    assert _imported(tree) == [(2, "bulkbuy"), (3, "receiving")]
