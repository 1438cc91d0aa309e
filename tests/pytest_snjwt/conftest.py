"""pytester's in-process runs drop every module the inner run imported; importing the plugin's
dependencies here first keeps one copy of each (two copies of http.cookiejar break requests)."""

import http.cookiejar  # noqa: F401

import jwt  # noqa: F401
import requests  # noqa: F401
import responses  # noqa: F401

import mock_instance.instance  # noqa: F401
import pytest_snjwt.fixtures  # noqa: F401
import pytest_snjwt.live  # noqa: F401
import pytest_snjwt.targets  # noqa: F401
import pytest_snjwt.tokens  # noqa: F401
