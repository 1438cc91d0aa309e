"""The console in a real headless browser: each view, the setup flow, the debugger, revoking a token.

A screenshot of each view lands in the run's temporary folder (the summary
line ``console screenshots`` names it); none is committed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from mock_instance import JWT_BEARER_GRANT_TYPE, MockInstance, load_private_key
from mock_instance.client import build_claims, make_keystore, sign

BASE = "/snjwt-mock/console"
SECRET = "Sentinel-browser-secret-7"
VIEWS = {"chain": ("/", "JWT chains"), "setup": (f"{BASE}/setup", "Set up a chain"),
         "debugger": (f"{BASE}/debugger", "JWT debugger"), "requests": (f"{BASE}/requests", "Requests"),
         "refusals": (f"{BASE}/refusals", "Refusals"), "tokens": (f"{BASE}/tokens", "Tokens"),
         "instance": (f"{BASE}/instance", "Instance")}


def shoot(browser: Any, folder: Path, name: str) -> None:
    """A full-page screenshot: the window grows to the page's height (at most 3,000 pixels)."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1366, min(max(height, 800), 3000))
    browser.save_screenshot(str(folder / f"{name}.png"))
    browser.set_window_size(1366, 1000)


def heading(browser: Any) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text


def fill(browser: Any, name: str, value: str) -> None:
    box = browser.find_element(By.NAME, name)
    box.clear()
    box.send_keys(value)


def submit(browser: Any, button: Any) -> None:
    """Click a form's button and wait for the page it leads to (the old page's elements go stale)."""
    old = browser.find_element(By.TAG_NAME, "html")
    button.click()
    WebDriverWait(browser, 20).until(expected_conditions.staleness_of(old))
    WebDriverWait(browser, 20).until(lambda b: b.execute_script("return document.readyState") == "complete")


def click(browser: Any, label: str) -> None:
    submit(browser, browser.find_element(By.XPATH, f"//button[normalize-space()='{label}']"))


def set_up_from_the_page(browser: Any, url: str) -> dict[str, str]:
    """The setup flow as a person does it; returns what the result page shows a client."""
    browser.get(f"{url}{BASE}/setup")
    fill(browser, "name", "acme")
    fill(browser, "client_secret", SECRET)
    click(browser, "Create the chain")
    assert heading(browser) == "Chain created"
    shown = {dt.text: dd.text for dt, dd in zip(browser.find_elements(By.CSS_SELECTOR, "dl.fields dt"),
                                                  browser.find_elements(By.CSS_SELECTOR, "dl.fields dd"),
                                                  strict=True)}
    return shown


def exchange(url: str, shown: dict[str, str], **claims: Any) -> requests.Response:
    key = load_private_key(Path(shown["private key"]).read_bytes()).private_key
    assertion = sign({**build_claims(shown["client_id"], shown["user (sub)"]), **claims}, key, "RS256",
                     kid=shown["kid"])
    return requests.post(f"{url}/oauth_token.do", data={"grant_type": JWT_BEARER_GRANT_TYPE, "assertion": assertion,
                                                        "client_id": shown["client_id"], "client_secret": SECRET})


def test_each_view_loads(browser: Any, served: tuple[MockInstance, str], screenshots: Path) -> None:
    instance, url = served
    shown = set_up_from_the_page(browser, url)
    exchange(url, shown)
    exchange(url, shown, aud="https://dev12345.service-now.com/oauth_token.do")  # a refusal to show
    for name, (path, title) in VIEWS.items():
        browser.get(f"{url}{path}")
        assert heading(browser) == title, name
        assert browser.find_element(By.CSS_SELECTOR, "nav a.current").text or name == "chain"
        shoot(browser, screenshots, name)
    browser.get(f"{url}{BASE}/requests/1")
    assert "POST /api/now/table/sys_certificate" in heading(browser)
    shoot(browser, screenshots, "request")
    page = browser.page_source
    assert SECRET not in page and "PRIVATE KEY" not in page


def test_the_setup_flow_creates_a_working_chain(browser: Any, served: tuple[MockInstance, str]) -> None:
    instance, url = served
    shown = set_up_from_the_page(browser, url)
    assert shown["client_secret"] == "the one you chose (not shown)"
    response = exchange(url, shown)
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"
    browser.get(f"{url}/")
    chain = browser.find_element(By.ID, f"chain-{instance.query('oauth_jwt')[0]['sys_id']}")
    assert "ready" in chain.text and "System OAuth > JWT Keys" in chain.text


def test_the_debugger_names_the_failing_check(browser: Any, served: tuple[MockInstance, str],
                                              screenshots: Path) -> None:
    instance, url = served
    shown = set_up_from_the_page(browser, url)
    browser.get(f"{url}{BASE}/debugger")
    fill(browser, "aud", "https://dev12345.service-now.com/oauth_token.do")
    click(browser, "Sign and check")
    failed = browser.find_element(By.CSS_SELECTOR, "li.dry-step.failed")
    assert failed.find_element(By.CLASS_NAME, "step-no").text == "7"
    assert "aud_mismatch" in failed.text and "Fix: set aud to the client id" in failed.text
    shoot(browser, screenshots, "debugger-bad-aud")
    other = sign(build_claims(shown["client_id"], shown["user (sub)"]), make_keystore().private_key, "RS256",
                 kid=shown["kid"])
    fill(browser, "assertion", other)
    fill(browser, "client_id", shown["client_id"])
    fill(browser, "client_secret", SECRET)
    click(browser, "Check")
    failed = browser.find_element(By.CSS_SELECTOR, "li.dry-step.failed")
    assert failed.find_element(By.CLASS_NAME, "step-no").text == "6" and "signature_invalid" in failed.text
    assert other not in browser.page_source
    assert instance.refusals == [] and instance.platform.jtis == {}  # a dry run: nothing logged, no jti used


def test_a_token_can_be_revoked_and_is_then_refused(browser: Any, served: tuple[MockInstance, str]) -> None:
    instance, url = served
    shown = set_up_from_the_page(browser, url)
    token = exchange(url, shown).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{url}/api/now/table/incident", headers=bearer).status_code == 200
    browser.get(f"{url}{BASE}/tokens")
    row = browser.find_element(By.XPATH, f"//tr[td/code[text()='{token[:6]}…']]")
    submit(browser, row.find_element(By.XPATH, ".//button[normalize-space()='Revoke']"))
    assert "expired or revoked" in browser.find_element(By.ID, "live-rows").text
    assert requests.get(f"{url}/api/now/table/incident", headers=bearer).status_code == 401
    assert instance.refusals[-1].code == "access_token_expired"
    assert token not in browser.page_source


def test_the_live_views_refresh_themselves(browser: Any, served: tuple[MockInstance, str]) -> None:
    instance, url = served
    browser.get(f"{url}{BASE}/requests")
    assert "No request yet." in browser.find_element(By.ID, "live-rows").text
    requests.get(f"{url}/api/now/table/incident?sysparm_limit=1", auth=("admin", "admin"))
    WebDriverWait(browser, 15).until(expected_conditions.text_to_be_present_in_element(
        (By.ID, "live-rows"), "/api/now/table/incident"))
    assert re.search(r"GET /api/now/table/incident\s*\?sysparm_limit=1\s*200", browser.find_element(
        By.ID, "live-rows").text)


def test_the_clock_moves_from_the_page(browser: Any, served: tuple[MockInstance, str]) -> None:
    instance, url = served
    browser.get(f"{url}{BASE}/instance")
    click(browser, "Freeze")
    assert instance.clock.frozen and "The clock is frozen." in browser.page_source
    at = instance.clock.time()
    click(browser, "+1 hour")
    assert instance.clock.time() == at + 3600 and "The clock moved." in browser.page_source
    assert "frozen" in browser.find_element(By.CSS_SELECTOR, ".now").text
