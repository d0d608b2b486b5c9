"""The package's shape, kept by tests: small modules, no import cycle, pure stages free of I/O.

docs/architecture.md describes the layout; these tests fail when a change breaks it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "crawler"
MAX_LINES = 420  # "about 400": room for a catalogue to end a section, not to grow a new concern
# The pure stages (docs/architecture.md): values in, values out, testable without a network.
PURE = [
    "issues/extract.py",
    "issues/bare.py",
    "issues/raw_html.py",
    "issues/positions.py",
    "issues/dates.py",
    "check/plan.py",
    "check/urls.py",
    "check/page.py",
    "check/classify.py",
    "check/drift.py",
    "fetch/fair_order.py",
    "fetch/start_window.py",
    "nightly/policy.py",
    "nightly/drift_rules.py",
    "nightly/view.py",
    "nightly/figures.py",
    "nightly/held_links.py",
    "nightly/link_source.py",
    "wayback/protocol.py",
    "wayback/lookups.py",
    "wayback/pace.py",
    "wayback/rewrite.py",
    "wayback/memento.py",
    "wayback/archives.py",
    "models.py",
]
IO_MODULES = ("scrapy", "twisted", "sqlite3", "waybackpy", "subprocess", "aiohttp")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported_at_module_level(path: Path) -> set[str]:
    """Modules imported when `path` is imported (not inside functions, not only for type checking)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_no_module_is_over_the_size_a_reader_takes_in() -> None:
    long = {name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_import_cycle() -> None:
    known = modules()
    graph = {
        name: {dep for dep in imported_at_module_level(path) if dep in known and dep != name}
        for name, path in known.items()
    }
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for dep in graph[name]:
            assert state.get(dep) != "open", " -> ".join([*trail, name, dep])
            if dep not in state:
                visit(dep, [*trail, name])
        state[name] = "done"

    for name in graph:
        if name not in state:
            visit(name, [])


@pytest.mark.parametrize("relative", PURE)
def test_pure_stages_do_no_io(relative: str) -> None:
    imported = imported_at_module_level(PACKAGE / relative)
    assert not {name for name in imported if name.split(".")[0] in IO_MODULES}
