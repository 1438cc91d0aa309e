"""The layout's rules, checked (README "Layout"): layers, no cycles, small modules, public names only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("mock_instance", "pytest_snjwt")
#: One job per module (STYLE.md): past this a module usually hides a second noun.
MAX_LINES = 300


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_lint_is_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--no-cache", *PACKAGES, "tests", "benchmarks", "examples",
                             "conftest.py"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    # Tarjan's strongly connected components over direct imports (TYPE_CHECKING ones included).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    # A package imports its own submodules to re-export them; that is not a cycle of jobs.
    for package in [m for m in graph.modules if (ROOT / m.replace(".", "/") / "__init__.py").exists()]:
        for child in graph.find_children(package):
            if graph.direct_import_exists(importer=package, imported=child):
                graph.remove_import(importer=package, imported=child)
    assert _cycles(graph) == []


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT)) for package in PACKAGES
                                        for p in (ROOT / package).rglob("*.py")))
def test_module_is_small(path: str) -> None:
    lines = len((ROOT / path).read_text().splitlines())
    assert lines <= MAX_LINES, f"{path} has {lines} lines; split it by job (STYLE.md)"


def test_plugin_uses_public_names_only() -> None:
    import mock_instance
    import mock_instance.client

    public = {"mock_instance": set(mock_instance.__all__), "mock_instance.client": set(mock_instance.client.__all__)}
    for path in (ROOT / "pytest_snjwt").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mock_instance"):
                assert node.module in public, f"{path.name} imports from {node.module}, not a public face"
                names = {alias.name for alias in node.names}
                assert names <= public[node.module], f"{path.name}: {sorted(names - public[node.module])}"
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("mock_instance."), f"{path.name} imports {alias.name}"


def test_spec_citations_point_at_sections_that_exist() -> None:
    import re

    spec = (ROOT / "docs" / "platform.md").read_text()
    sections = set(re.findall(r"^## (\d+)\. ", spec, re.M)) | set(re.findall(r"^### (\d+\.\d+) ", spec, re.M))
    assert {str(n) for n in range(1, 15)} <= sections
    cited = 0
    sources = [p for folder in (*PACKAGES, "tests", "benchmarks") for p in (ROOT / folder).rglob("*.py")]
    for path in [ROOT / "README.md", *sources]:
        for section in re.findall(r"docs/platform\.md[^§\n]{0,3}§(\d+(?:\.\d+)?)", path.read_text()):
            cited += 1
            assert section in sections, f"{path.relative_to(ROOT)} cites docs/platform.md §{section}: no such section"
    assert cited > 30
