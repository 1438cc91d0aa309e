"""pytester's in-process runs drop every module the inner run imported; importing the plugin's
dependencies here first keeps one copy of each (two copies of http.cookiejar break requests).
Below them, the served stand-in for a real instance that the live-mode test modules share."""

import http.cookiejar  # noqa: F401
from collections.abc import Iterator

import jwt  # noqa: F401
import pytest
import requests  # noqa: F401
import responses  # noqa: F401

import mock_instance.instance  # noqa: F401
import pytest_snjwt.fixtures  # noqa: F401
import pytest_snjwt.live  # noqa: F401
import pytest_snjwt.targets  # noqa: F401
import pytest_snjwt.tokens  # noqa: F401
from mock_instance.client import TableClient
from tests.helpers import serving


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    """A ``snjwt-mock serve`` in another process, one per test module, playing the real instance."""
    with serving() as (url, _):
        yield url


@pytest.fixture
def admin_api(live_url: str) -> Iterator[TableClient]:
    """The Table API of ``live_url`` as its admin, to count and read what a live run left behind."""
    session = requests.Session()
    session.auth = ("admin", "admin")
    yield TableClient(session, live_url)
    session.close()
