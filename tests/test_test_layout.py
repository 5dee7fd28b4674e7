"""The test suite's own layout: shared helpers and fixtures live in tests/support/, so no test
module imports another test module or a conftest (importing one runs its tests' module code
twice and makes a helper's home depend on which test happened to need it first)."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SUPPORT = "tests.support"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in `tree`, nested ones included; a relative
    import is spelled with its leading dots."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.module in (None, "tests"):  # `from . import x`, `from tests import x`
                separator = "" if node.module is None else "."
                found += [(node.lineno, module + separator + a.name) for a in node.names]
            else:
                found.append((node.lineno, module))
    return sorted(found)


def _is_test_code(module: str) -> bool:
    """A module of the test suite other than tests/support (relative imports count: they
    can only reach test code from here)."""
    if module.startswith("."):
        return True
    if module != "tests" and not module.startswith("tests."):
        return False
    return not (module == SUPPORT or module.startswith(SUPPORT + "."))


def layout_problems(root: Path) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in _imported_modules(tree):
            if _is_test_code(module):
                problems.append(f"{path.relative_to(root.parent)}:{line} imports {module}")
    return problems


def test_no_test_module_imports_another_test_module_or_a_conftest():
    problems = layout_problems(TESTS)
    assert not problems, "move shared code to tests/support/:\n" + "\n".join(problems)


def test_the_check_finds_imports_of_test_modules_and_conftests(tmp_path):
    suite = tmp_path / "tests"
    (suite / "support").mkdir(parents=True)
    (suite / "support" / "helpers.py").write_text("from tests.support.factories import x\n")
    (suite / "test_fine.py").write_text("import json\nfrom tests.support import helpers\n")
    (suite / "test_bad.py").write_text(
        "from tests.conftest import web_client_for\n"
        "def test_x():\n"
        "    from tests.asn.test_documents import scan\n"
        "import tests.test_browser\n"
        "from . import conftest\n"
        "from .conftest import PASSWORD\n"
        "from tests import conftest, support\n"
    )

    problems = layout_problems(suite)

    assert problems == [
        "tests/test_bad.py:1 imports tests.conftest",
        "tests/test_bad.py:3 imports tests.asn.test_documents",
        "tests/test_bad.py:4 imports tests.test_browser",
        "tests/test_bad.py:5 imports .conftest",
        "tests/test_bad.py:6 imports .conftest",
        "tests/test_bad.py:7 imports tests.conftest",
    ]


def test_shared_fixtures_come_from_tests_support_only():
    """tests/conftest.py registers the shared fixture modules; each one is in tests/support."""
    tree = ast.parse((TESTS / "conftest.py").read_text())
    plugins = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets)
    )
    assert plugins and all(name.startswith(SUPPORT + ".") for name in plugins)
    for name in plugins:
        assert (TESTS.parent / (name.replace(".", "/") + ".py")).is_file(), name
