"""Mock or live is never silently wrong: overrides, suite-wide mock settings, timeouts, the http rule."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mock_instance.client import is_loopback
from pytest_snjwt.config import ConfigError, resolve

CHAIN_ENV = {"SNJWT_CLIENT_ID": "c", "SNJWT_CLIENT_SECRET": "s", "SNJWT_USER": "u"}


def test_snjwt_mock_beats_live_from_an_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsnjwt_live = true\nsnjwt_instance = https://dev1.service-now.com\n")
    pytester.makepyfile("def test_x(snjwt_instance): assert not snjwt_instance.live and snjwt_instance.mock")
    assert pytester.runpytest().ret == pytest.ExitCode.USAGE_ERROR  # live, and no credentials: stops
    result = pytester.runpytest("--snjwt-mock")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["snjwt: mock at https://dev1.service-now.com"])


def test_live_credentials_without_live_warn_even_under_q(pytester: pytest.Pytester,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNJWT_ADMIN_USER", "admin")
    monkeypatch.setenv("SNJWT_ADMIN_PASSWORD", "not-shown-anywhere")
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)
    lines = [line for line in result.outlines if line.startswith("snjwt:")]
    assert lines == ["snjwt: SNJWT_ADMIN_USER, SNJWT_ADMIN_PASSWORD set, but the run is against the mock "
                     "(add --snjwt-live to use the instance)"]
    assert "not-shown-anywhere" not in result.stdout.str()
    monkeypatch.delenv("SNJWT_ADMIN_USER")
    monkeypatch.delenv("SNJWT_ADMIN_PASSWORD")
    assert not [line for line in pytester.runpytest("-q").outlines if line.startswith("snjwt:")]


SETTING_TEST = '''
def test_settings(snjwt_mock, snjwt_server):
    assert snjwt_mock.settings.accept_pysnc_header is True
    assert snjwt_mock.settings.cleanup_interval == 60
    assert snjwt_mock.settings.accept_aud_list is False
'''


def test_mock_settings_for_the_whole_suite(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsnjwt_mock_settings =\n    accept_pysnc_header=true\n    cleanup_interval=60\n")
    pytester.makepyfile(SETTING_TEST)
    pytester.runpytest("--snjwt-set", "accept_aud_list=off").assert_outcomes(passed=1)
    assert pytester.runpytest().ret == pytest.ExitCode.TESTS_FAILED  # without the option, aud lists stay on


PROFILE = ('{"instance": "https://dev1.service-now.com", "release": null, "date": "2026-05-01", '
           '"settings": {"accept_pysnc_header": true, "cleanup_interval": 60, "accept_aud_list": true}}')


def test_a_settings_profile_for_the_whole_suite(pytester: pytest.Pytester) -> None:
    """The ini key is relative to the ini file; snjwt_mock_settings and --snjwt-set win over the profile."""
    pytester.mkdir("calibration").joinpath("dev1.json").write_text(PROFILE)
    pytester.makeini("[pytest]\nsnjwt_mock_profile = calibration/dev1.json\n")
    pytester.makepyfile(SETTING_TEST)
    result = pytester.runpytest("--snjwt-set", "accept_aud_list=off")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"snjwt: mock at https://snjwt.test (settings profile "
                                 f"{pytester.path / 'calibration' / 'dev1.json'}: https://dev1.service-now.com, "
                                 f"probed 2026-05-01: 3 setting(s))"])
    assert pytester.runpytest().ret == pytest.ExitCode.TESTS_FAILED  # the profile keeps aud lists on
    pytester.makeini("[pytest]\n")
    pytester.runpytest("--snjwt-profile", "calibration/dev1.json", "--snjwt-set",
                       "accept_aud_list=off").assert_outcomes(passed=1)


def test_a_bad_profile_stops_the_run_with_one_message(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("bad.json").write_text(PROFILE.replace("60", '"60"'))
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--snjwt-profile", "bad.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert ("--snjwt-profile / snjwt_mock_profile: bad.json: setting 'cleanup_interval': expected a JSON whole "
            "number, not '60'") in result.stderr.str()


@pytest.mark.parametrize(("value", "message"), [
    ("no_such_setting=1", "unknown setting 'no_such_setting'"),
    ("accept_aud_list=maybe", "takes true or false"),
    ("cleanup_interval=soon", "takes a whole number"),
    ("accept_aud_list", "expected name=value"),
])
def test_a_bad_mock_setting_stops_the_run_with_one_message(pytester: pytest.Pytester, value: str,
                                                           message: str) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--snjwt-set", value)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str() and "Traceback" not in result.stderr.str()


def test_mock_settings_are_ignored_live_with_a_note() -> None:
    config = resolve({"live": True, "instance": "https://dev1.service-now.com",
                      "settings": ["accept_pysnc_header=true"]}, CHAIN_ENV | {"SNJWT_KEY_FILE": __file__}, {})
    assert config.live and config.mock_settings == (("accept_pysnc_header", True),)
    assert config.header().endswith("(mock settings ignored live: accept_pysnc_header)")


@pytest.mark.parametrize("url", ["http://dev1.service-now.com", "http://10.0.0.5:8080", "http://instance.local"])
def test_plain_http_is_refused_live_off_this_machine(url: str) -> None:
    with pytest.raises(ConfigError, match="refusing plain http://"):
        resolve({"live": True, "instance": url}, {"SNJWT_ADMIN_USER": "a", "SNJWT_ADMIN_PASSWORD": "p"}, {})


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost:1", "http://[::1]:9", "http://127.1.2.3"])
def test_plain_http_is_fine_on_loopback(url: str) -> None:
    assert is_loopback(urlsplit(url).hostname or "")
    assert resolve({"live": True, "instance": url}, {"SNJWT_ADMIN_USER": "a", "SNJWT_ADMIN_PASSWORD": "p"}, {}).live


def test_timeouts_default_and_can_be_set() -> None:
    assert resolve({}, {}, {}).timeout == (10.0, 30.0)
    assert resolve({}, {"SNJWT_CONNECT_TIMEOUT": "2.5"}, {"snjwt_read_timeout": "7"}).timeout == (2.5, 7.0)
    with pytest.raises(ConfigError, match="SNJWT_READ_TIMEOUT / snjwt_read_timeout must be a number of seconds"):
        resolve({}, {"SNJWT_READ_TIMEOUT": "0"}, {})
    with pytest.raises(ConfigError, match="SNJWT_CONNECT_TIMEOUT"):
        resolve({}, {"SNJWT_CONNECT_TIMEOUT": "soon"}, {})
