"""httpx clients, sync and async, ready with the token: what ``snjwt_session`` is for requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .stash import CONFIG_KEY

if TYPE_CHECKING:
    import httpx

    from .targets import Target
    from .tokens import AccessToken, InstanceInfo


def _httpx(fixture: str) -> Any:
    try:
        import httpx
    except ImportError:
        pytest.fail(f"{fixture} needs httpx: pip install httpx", pytrace=False)
    return httpx


@pytest.fixture
def snjwt_httpx_client(request: pytest.FixtureRequest, _snjwt_target: Target, snjwt_instance: InstanceInfo,
                       snjwt_access_token: AccessToken) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` that sends the bearer token, its ``base_url`` the instance:
    ``snjwt_httpx_client.get("/api/now/table/incident")``. Served in-process in mock mode. Needs httpx.

    Live, like ``snjwt_session``: the run's timeouts, and what a test creates is deleted when it ends.
    """
    from .tokens import created_record

    httpx = _httpx("snjwt_httpx_client")

    def note(response: httpx.Response) -> None:
        if response.status_code == 201 and response.request.method == "POST":
            response.read()
            created = created_record(response.request.url.raw_path.decode(), response.content)
            if created is not None:
                _snjwt_target.created_by_test(*created)

    with httpx.Client(**_httpx_options(request, snjwt_instance, snjwt_access_token),
                      event_hooks={"response": [note]}) as client:
        yield client


@pytest.fixture
def snjwt_async_client(request: pytest.FixtureRequest, _snjwt_target: Target, snjwt_instance: InstanceInfo,
                       snjwt_access_token: AccessToken) -> Iterator[httpx.AsyncClient]:
    """An ``httpx.AsyncClient`` that sends the bearer token, its ``base_url`` the instance:
    ``await snjwt_async_client.get("/api/now/table/incident")``. Served in-process in mock mode.
    A plain fixture, so any async test runner (anyio, pytest-asyncio) can use it. Needs httpx.
    """
    import asyncio

    from .tokens import created_record

    httpx = _httpx("snjwt_async_client")

    async def note(response: httpx.Response) -> None:
        if response.status_code == 201 and response.request.method == "POST":
            await response.aread()
            created = created_record(response.request.url.raw_path.decode(), response.content)
            if created is not None:
                _snjwt_target.created_by_test(*created)

    client = httpx.AsyncClient(**_httpx_options(request, snjwt_instance, snjwt_access_token),
                               event_hooks={"response": [note]})
    yield client
    if not client.is_closed:
        try:
            asyncio.run(client.aclose())
        except RuntimeError:
            pass  # live connections belong to the test's event loop, closed with it; in-process there are none


def _httpx_options(request: pytest.FixtureRequest, instance: InstanceInfo, token: AccessToken) -> dict[str, Any]:
    import httpx

    options: dict[str, Any] = {"base_url": instance.url,
                               "headers": {"Authorization": f"Bearer {token}", "Accept": "application/json"}}
    if instance.live:
        connect, read = request.config.stash[CONFIG_KEY].timeout
        options["timeout"] = httpx.Timeout(read, connect=connect)
    return options
