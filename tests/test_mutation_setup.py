"""Mutation testing stays opt-in and pointed at files that exist (docs/mutation.md, the README)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_mutation_block() -> None:
    blocks = re.findall(r"<!-- tested-by: tests/test_mutation_setup.py::test_mutation_block -->\n```bash\n(.*?)```",
                        (ROOT / "README.md").read_text(), re.S)
    assert blocks == [".venv/bin/mutmut run --max-children 2\n"]
    mutmut = PYPROJECT["tool"]["mutmut"]
    guide = (ROOT / "docs" / "mutation.md").read_text()
    assert mutmut["only_mutate"], "mutate one module at a time, never the whole tree"
    for module in mutmut["only_mutate"]:
        assert (ROOT / module).is_file(), module
        assert f"`{module}`" in guide, f"docs/mutation.md does not name {module}"
    for test_file in mutmut["pytest_add_cli_args_test_selection"]:
        assert (ROOT / test_file).is_file(), test_file
        assert Path(test_file).name in guide, f"docs/mutation.md does not name {test_file}"


def test_mutation_is_not_part_of_the_default_run() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(r.startswith("mutmut") for r in extras["mutation"])
    assert not any(r.startswith("mutmut") for r in extras["test"])
    # mutmut copies the tree, tests included, into mutants/: git ignores it and pytest never collects it.
    assert "mutants" in PYPROJECT["tool"]["pytest"]["ini_options"]["norecursedirs"]
    assert "mutants/" in (ROOT / ".gitignore").read_text().splitlines()
