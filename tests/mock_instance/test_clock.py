"""The instance's clock: real time unless a test freezes or advances it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from mock_instance import Clock


def test_follows_real_time_by_default() -> None:
    clock = Clock()
    assert abs(clock.time() - time.time()) < 5
    assert not clock.frozen


def test_freeze_advance_unfreeze_reset() -> None:
    clock = Clock()
    clock.freeze(1_700_000_000)
    assert clock.time() == 1_700_000_000 and clock.frozen
    clock.advance(90)
    assert clock.time() == 1_700_000_090
    assert clock.glide_now() == "2023-11-14 22:14:50"
    clock.unfreeze()  # runs again from where it stood, not from real time
    assert not clock.frozen and 1_700_000_090 <= clock.time() < 1_700_000_100
    clock.advance(-90)  # running clocks advance (or go back) too
    assert 1_700_000_000 <= clock.time() < 1_700_000_010
    clock.reset()
    assert abs(clock.time() - time.time()) < 5


def test_freeze_now_and_at_a_datetime() -> None:
    clock = Clock()
    clock.freeze()
    first = clock.time()
    assert clock.time() == first
    clock.freeze(datetime(2030, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware datetime"):
        clock.freeze(datetime(2030, 1, 1))


def test_repr_says_the_state() -> None:
    clock = Clock()
    clock.freeze(0)
    assert repr(clock) == "<Clock frozen at 1970-01-01 00:00:00>"
