"""The console's browser tests: headless Chromium (Debian's chromium and chromium-driver) through Selenium."""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mock_instance import MockInstance
from mock_instance.console import Keyring, serve_with_console

#: Where Debian puts them; .ci/run installs both (apt-get install chromium chromium-driver).
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
SCREENSHOTS = "console-screenshots"


def _found(names: tuple[str, ...]) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder under pytest's temporary folder for the views' screenshots (the run's summary names it)."""
    return tmp_path_factory.mktemp(SCREENSHOTS, numbered=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Selenium, sending the admin's Basic credentials with every request."""
    chromium, driver_path = _found(CHROMIUM), _found(("chromedriver",))
    if chromium is None or driver_path is None:
        pytest.skip("Chromium or chromedriver is not installed (an outside tool: apt-get install chromium "
                    "chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-extensions", "--no-first-run",
                     "--window-size=1366,1000", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    credentials = base64.b64encode(b"admin:admin").decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {credentials}"}})
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def served() -> Iterator[tuple[MockInstance, str]]:
    """A fresh instance served with its console on a loopback port: (instance, URL)."""
    instance = MockInstance()
    keyring = Keyring()
    server = serve_with_console(instance, keyring=keyring)
    try:
        yield instance, server.url
    finally:
        server.stop()
        keyring.close()
