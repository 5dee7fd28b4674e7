"""python-amazon-sp-api is used, and patched, in one module only: amazon1p/spapi/transport.py
(a library upgrade is checked against that module alone)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "staticfiles", ".git"}


def _imports_sp_api(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == "sp_api" for alias in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sp_api":
            return True
    return False


def test_only_the_transport_module_imports_the_library():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not SKIP & set(path.relative_to(ROOT).parts) and _imports_sp_api(path)
    )
    assert importers == ["amazon1p/spapi/transport.py"]
