"""The rules of the layout (README, Architecture) that an import graph can check."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CALLS = ROOT / "calls"


def _imports(path: Path) -> set[str]:
    """The absolute module names ``path`` imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


def _offending(folder: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in _modules(folder):
        bad = sorted(name for name in _imports(path) if any(name.startswith(f) for f in forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_staff_pages_import_nothing_from_the_oracle_dialect():
    assert _offending(CALLS / "staff", ("calls.oracle",)) == {}


@pytest.mark.parametrize("forbidden", ["calls.staff", "bench"])
def test_management_commands_import_neither_staff_pages_nor_bench(forbidden):
    assert _offending(CALLS / "management", (forbidden,)) == {}


def test_oracle_names_are_not_spelled_outside_the_dialect():
    """A service, page or command that names an Oracle attribute would hold a second copy
    of the table in calls/oracle/attributes.py."""
    from calls.oracle.attributes import CALL_ATTRIBUTES, MESSAGE_ATTRIBUTES

    names = {a.name for a in (*CALL_ATTRIBUTES, *MESSAGE_ATTRIBUTES)} - {"CallId"}
    places = [
        CALLS / "services.py",
        CALLS / "models.py",
        CALLS / "exports.py",
        *_modules(CALLS / "sql"),
    ]
    spelled = {
        str(path.relative_to(ROOT)): sorted(n for n in names if f'"{n}"' in path.read_text())
        for path in places
    }
    assert {path: found for path, found in spelled.items() if found} == {}
