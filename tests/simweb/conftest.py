"""Fixtures for the simulated web's own tests; `web` and `wayback` are in tests/conftest.py."""

from __future__ import annotations

import pytest

from crawler.simweb import SimWayback, SimWeb


@pytest.fixture
def fresh_web(web: SimWeb) -> None:
    """An empty request log and no URL visited yet (flaky-503 fails once again)."""
    web.log.clear()
    web.reset_state()


@pytest.fixture
def fresh_wayback(web: SimWeb, wayback: SimWayback) -> None:
    """An empty archive and request log."""
    web.log.wait_idle()  # the last test's answers are counted before they are forgotten
    wayback.reset()
    web.log.clear()
