"""The wheel holds every subpackage and data file: built, installed into a fresh venv, and run from there.

An editable install hides a module the wheel forgot; this test does not use it.
The fresh venv gets the project's dependencies by path (a ``.pth`` line naming
this environment's site-packages), which appends that folder to ``sys.path``
without running its ``.pth`` files, so the editable finder stays off and every
``mock_instance`` and ``pytest_snjwt`` import must come from the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLUGIN_TEST = '''
def test_a_token_from_the_wheel(snjwt_session):
    response = snjwt_session.get("/api/now/table/incident")
    assert response.status_code == 200, response.text
'''


def _run(*args: str, cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result


def test_the_wheel_installs_and_runs(tmp_path: Path) -> None:
    # From a copy of the source: an in-tree build/ folder left by an earlier build would hide a missing package.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__",
                                                                ".pytest_cache", ".hypothesis", "dist"))
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source),
         cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("pytest_snjwt-*.whl"))
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel), cwd=tmp_path)
    site = Path(_run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path).stdout.strip())
    (site / "_snjwt_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    where = _run(str(python), "-c", "import mock_instance.cli, mock_instance.client, pytest_snjwt.plugin, "
                 "importlib.resources as r; print(mock_instance.__file__); "
                 "print(r.files('mock_instance').joinpath('py.typed').is_file(), "
                 "r.files('pytest_snjwt').joinpath('py.typed').is_file())", cwd=tmp_path).stdout.split()
    assert Path(where[0]).is_relative_to(site), f"mock_instance came from {where[0]}, not the wheel"
    assert where[1:] == ["True", "True"], "py.typed is missing from the wheel"

    demo = _run(str(venv / "bin" / "snjwt-mock"), "demo", cwd=tmp_path)
    assert "Step 4:" in demo.stdout and "reason code: jti_replayed" in demo.stdout

    (tmp_path / "test_from_wheel.py").write_text(PLUGIN_TEST)
    run = _run(str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_from_wheel.py", cwd=tmp_path)
    assert "1 passed" in run.stdout
