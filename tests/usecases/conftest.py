"""The application layer without a messenger: use cases (bot/usecases/), the paced sender and its worker
(bot/delivery/), settings, staff roles and logs. Databases come from tests/conftest.py (`db`, `sessions`);
where a channel would be, a transport records what it is given."""

from __future__ import annotations

import pytest

from tests.support.virtual_time import VirtualTime


@pytest.fixture
def time() -> VirtualTime:
    """A virtual clock for the pacer: sleeping moves it, nothing waits."""
    return VirtualTime()
