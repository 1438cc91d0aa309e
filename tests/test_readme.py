"""The README's snippets are true: each is an example file that is tested, or is run here."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mock_instance import ACCESS_TOKEN_REASONS, REASONS, MockInstance, Settings
from mock_instance.client import Ledger, Provisioner, TableClient, Variant, make_keystore
from mock_instance.platform.settings import setting_text
from tests.helpers import serving, start_serve, url_of

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCK = re.compile(r"((?:<!--[^\n]*-->\n)?)```(\w+)\n(.*?)```", re.S)
MARKER = re.compile(r"<!-- (example|tested-by): (\S+) -->")
PLACEHOLDER_URL = "https://dev12345.service-now.com"
BIN = Path(sys.executable).parent


def blocks(language: str | None = None) -> list[tuple[str | None, str | None, str, str]]:
    """(marker kind, marker target, language, code) for every fenced block."""
    found = []
    for comment, lang, code in BLOCK.findall(README):
        marker = MARKER.search(comment)
        if language is None or lang == language:
            found.append((marker.group(1) if marker else None, marker.group(2) if marker else None, lang, code))
    return found


def block_for(test_name: str) -> str:
    matches = [code for kind, target, _, code in blocks() if kind == "tested-by" and target.endswith(test_name)]
    assert len(matches) == 1, test_name
    return matches[0]


def test_every_snippet_is_an_example_or_names_its_test() -> None:
    found = blocks()
    assert len(found) >= 12
    for kind, target, language, code in found:
        assert kind is not None, f"a {language} block has no marker:\n{code[:200]}"
        if kind == "example":
            assert (ROOT / target).read_text() == code, f"README block differs from {target}"
        elif target != ".ci/run":
            path, _, name = target.partition("::")
            assert f"def {name}(" in (ROOT / path).read_text(), f"{target} does not exist"


def test_quick_start_has_exactly_two_commands_that_make_a_venv() -> None:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(commands) == 2
    demo, tests = (c.strip() for c in commands)
    for command in (demo, tests):
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install ")
        assert "\n" not in command
    assert demo.endswith(".venv/bin/snjwt-mock demo")
    assert "'.[test]'" in tests and tests.endswith("-m pytest -q -p no:cacheprovider")


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "Quick start" in script and "blocks[1]" in script


def run_block(code: str, cwd: Path, replacements: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    for old, new in replacements.items():
        assert old in code, old
        code = code.replace(old, new)
    code = code.replace("pytest ", f"{sys.executable} -m pytest -p no:cacheprovider ")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SNJWT_") or k == "SNJWT_STATE_DIR"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(["bash", "-e", "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def first_test(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "examples" / "test_first.py", tmp_path / "test_first.py")
    return tmp_path


def test_live_mode_with_admin_credentials(first_test: Path) -> None:
    with serving() as (url, _):
        result = run_block(block_for("test_live_mode_with_admin_credentials"), first_test,
                           {PLACEHOLDER_URL: url, "'the admin password'": "admin"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed" in result.stdout
        assert f"snjwt: live (provisioning with admin credentials) at {url}" in result.stdout


def test_live_mode_with_a_preprovisioned_chain(first_test: Path) -> None:
    with serving() as (url, _):
        session = requests.Session()
        session.auth = ("admin", "admin")
        keystore = make_keystore()
        chain = Provisioner(TableClient(session, url), "readme-", lambda alg: keystore).provision(Variant())
        (first_test / "snclient.keystore").write_bytes(keystore.pkcs12)
        result = run_block(block_for("test_live_mode_with_a_preprovisioned_chain"), first_test, {
            PLACEHOLDER_URL: url, "0123456789abcdef0123456789abcdef": chain.client_id,
            "'the client secret'": chain.client_secret.reveal(), "the-verifier-map-kid": chain.kid or "",
            "jwt.user@example.com": chain.user})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 passed" in result.stdout and "pre-provisioned chain" in result.stdout


def test_cleanup_block(first_test: Path) -> None:
    with serving() as (url, _):
        session = requests.Session()
        session.auth = ("admin", "admin")
        client = TableClient(session, url)
        # A run killed before its teardown: its records and its ledger are left.
        ledger = Ledger.open(url, "snjwt-00aa11-")
        Provisioner(client, "snjwt-00aa11-", lambda alg: make_keystore(), log=ledger).provision(Variant())
        assert ledger.entries()
        result = run_block(block_for("test_cleanup_block"), first_test, {PLACEHOLDER_URL: url,
                                                                         "'the admin password'": "admin"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "run snjwt-00aa11-: deleted" in result.stdout and ledger.entries() == []
        assert client.query("oauth_jwt", "nameSTARTSWITHsnjwt-00aa11-", "sys_id,name") == []


def test_mock_settings_block(pytester: pytest.Pytester) -> None:
    pytester.makeini(block_for("test_mock_settings_block"))
    pytester.makepyfile("""
        def test_settings(snjwt_mock):
            assert snjwt_mock.settings.accept_pysnc_header is True
            assert snjwt_mock.settings.cleanup_interval == 60
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_schema_pull_block(tmp_path: Path) -> None:
    with serving("--schema", str(ROOT / "tests" / "mock_instance" / "data" / "custom_schema.json")) as (url, _):
        result = run_block(block_for("test_schema_pull_block"), tmp_path,
                           {PLACEHOLDER_URL: url, "'the admin password'": "admin"})
        assert result.returncode == 0, result.stdout + result.stderr
        assert "snjwt-mock: pulled 2 table(s) (u_asset, incident)" in result.stdout
    loaded = MockInstance(schema=tmp_path / "snjwt-schema.json")
    assert loaded.store.has_table("u_asset") and "u_area" in loaded.store.fields("incident")


def test_ini_block(pytester: pytest.Pytester) -> None:
    ini = [code for kind, target, lang, code in blocks("ini") if target.endswith("::test_ini_block")]
    assert len(ini) == 1
    pytester.makeini(ini[0])
    pytester.makepyfile(test_first=(ROOT / "examples" / "test_first.py").read_text())
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"snjwt: mock at {PLACEHOLDER_URL}"])


def test_serve_block() -> None:
    command = block_for("test_serve_block").strip()
    assert command.startswith("snjwt-mock serve ")
    process, lines = start_serve(*command.split()[2:])
    try:
        url = url_of(lines)
        ca = re.search(r"TLS certificate (\S+)", "\n".join(lines)).group(1)  # type: ignore[union-attr]
        assert url.startswith("https://")
        assert requests.get(f"{url}/api/now/table/incident", auth=("admin", "admin"), verify=ca).status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=30)


#: The stand-in of the README's drift report: its token URL as aud, no re-used password tokens, a 400 refusal.
PROBE_STAND_IN = ("--set", "accept_token_url_aud=true", "--set", "reuse_live_access_token=false", "--set",
                  'refusal_bodies={"user_not_found": {"status": 400, "content_type": "application/json", "body": '
                  '"{\\"error\\":\\"invalid_grant\\",\\"error_description\\":\\"User not found\\"}"}}')
README_DATE = "2026-05-01"


@pytest.fixture(scope="module")
def probe_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    """The README's probe command, run against the stand-in: the result (its output as the README shows a run:
    the README's URL, date and run prefix) and the profile it wrote."""
    folder = tmp_path_factory.mktemp("probe")
    with serving(*PROBE_STAND_IN) as (url, _), pytest.MonkeyPatch.context() as env:
        env.setenv("COLUMNS", "120")
        env.setenv("SNJWT_STATE_DIR", str(folder / "state"))
        result = run_block(block_for("test_probe_block"), folder, {PLACEHOLDER_URL: url,
                                                                   "'the admin password'": "admin"})
    shown = re.sub(r"snjwt-[0-9a-f]{6}-", "snjwt-1a2b3c-", result.stdout.replace(url, PLACEHOLDER_URL))
    shown = re.sub(r"(\)), \d{4}-\d{2}-\d{2}\n", rf"\1, {README_DATE}\n", shown, count=1)
    profile = json.loads((folder / "dev12345.json").read_text())
    profile.update(instance=profile["instance"].replace(url, PLACEHOLDER_URL), date=README_DATE)
    return subprocess.CompletedProcess(result.args, result.returncode, shown, result.stderr), profile


def test_probe_block(probe_run: tuple[subprocess.CompletedProcess[str], dict[str, object]]) -> None:
    result, _ = probe_run
    assert result.returncode == 1, result.stdout + result.stderr  # 1: some settings differ
    assert "wrote dev12345.json: 3 setting(s) differ" in result.stderr


def test_probe_report_block(probe_run: tuple[subprocess.CompletedProcess[str], dict[str, object]]) -> None:
    """Every line of the README's excerpt is a line of the real report, in the same order."""
    shown = iter(probe_run[0].stdout.splitlines())
    for line in block_for("test_probe_report_block").splitlines():
        if line != "...":
            assert line in shown, line  # consumes the report up to and including the line


def test_profile_file_block(probe_run: tuple[subprocess.CompletedProcess[str], dict[str, object]]) -> None:
    assert json.loads(block_for("test_profile_file_block")) == probe_run[1]


def test_profile_ini_block(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("dev12345.json").write_text(block_for("test_profile_file_block"))
    pytester.makeini(block_for("test_profile_ini_block"))
    pytester.makepyfile("""
        def test_like_the_instance(snjwt_mock):
            assert snjwt_mock.settings.accept_token_url_aud is True
            assert snjwt_mock.settings.reuse_live_access_token is False
            assert snjwt_mock.settings.refusal_bodies["user_not_found"].status == 400
    """)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_control_api_block() -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed (an outside tool)")
    with serving() as (url, _):
        result = run_block(block_for("test_control_api_block"), ROOT, {"http://127.0.0.1:8765": url})
        assert result.returncode == 0, result.stderr
        advanced, listed, reset = (json.loads(line) for line in result.stdout.replace("}{", "}\n{").splitlines())
        assert advanced["result"]["frozen"] is False
        assert [r["path"] for r in listed["result"]] == ["/snjwt-mock/clock"]  # a request is logged once answered
        assert reset["result"]["reset"] is True


def test_benchmark_scripts_run() -> None:
    scripts = [line.split()[1] for line in block_for("test_benchmark_scripts_run").strip().splitlines()]
    assert scripts and all((ROOT / s).is_file() for s in scripts)
    for script in scripts:
        result = subprocess.run([sys.executable, script, "--quick"], cwd=ROOT, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, result.stderr
        assert re.search(r"\d+\.\d\dx", result.stdout), result.stdout


def test_thorough_option(pytester: pytest.Pytester) -> None:
    command = block_for("test_thorough_option").strip()
    assert command.endswith("-m pytest --thorough")
    help_text = subprocess.run([sys.executable, "-m", "pytest", "--help"], cwd=ROOT, capture_output=True,
                               text=True, timeout=120).stdout
    assert "--thorough" in help_text


def test_examples_pass_as_a_user_would_run_them(pytester: pytest.Pytester) -> None:
    for name in ("test_first.py", "test_variants.py"):
        pytester.makepyfile(**{name[:-3]: (ROOT / "examples" / name).read_text()})
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=4)


def test_toolbox_examples_pass_as_a_user_would_run_them(pytester: pytest.Pytester) -> None:
    for name in ("test_own_mocks.py", "test_faults.py"):
        pytester.makepyfile(**{name[:-3]: (ROOT / "examples" / name).read_text()})
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=5)


def test_mock_in_python_example_runs() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "mock_in_python.py")], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    first, second, third = result.stdout.strip().splitlines()
    assert first == "INC0010001"
    assert second.startswith("https://127.0.0.1:") and second.endswith(" 200")
    assert third == "[]"


def test_troubleshooting_table_has_every_reason_code() -> None:
    section = README.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    for code in REASONS:
        assert f"`{code}`" in section, code
    for code in ACCESS_TOKEN_REASONS:
        assert f"`{code}`" in section, code


def test_troubleshooting_fixes_are_the_ones_the_console_shows() -> None:
    """The fix column is mock_instance/platform/reason_fixes.py's FIXES, word for word (one source)."""
    from mock_instance.platform.reason_fixes import FIXES

    section = README.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`[^|]+) \| [^|]+ \| ([^|]+) \|$", section, re.M)
    in_readme = {code: fix.strip() for codes, fix in rows for code in re.findall(r"`(\w+)`", codes)}
    assert set(in_readme) == set(REASONS)
    assert {code: FIXES[code] for code in REASONS} == in_readme
    assert set(ACCESS_TOKEN_REASONS) <= set(FIXES)


def test_settings_table_matches_the_settings() -> None:
    section = README.split("### Settings", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", section, re.M))
    expected = {f.name: setting_text(getattr(Settings(), f.name)) for f in dataclasses.fields(Settings)}
    assert rows == expected


def test_attachment_api_lists_its_list_filters() -> None:
    """tests/mock_instance/test_attachment_filters.py tests each one."""
    section = README.split("- **Attachment API**", 1)[1].split("\n- **", 1)[0]
    for name in ("`sysparm_query`", "`sysparm_limit`", "`sysparm_offset`", "`name=value`", "`table_name=`",
                 "`table_sys_id=`", "`file_name=`"):
        assert name in section, name
