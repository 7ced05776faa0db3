"""Storage (storage/): models and repositories, migrations, events and RSVPs, the outbox, exports and the
offline PII scrubber. Tests that take `db` or `sessions` (tests/conftest.py) run on SQLite and on
PostgreSQL, each on an empty, migrated schema. Subscribers and broadcasts for the outbox tests:
tests/support/broadcasts.py."""

from __future__ import annotations

import pytest

from storage.scrubbing import Scrubber


@pytest.fixture(scope="session")
def scrubber() -> Scrubber:
    """The offline PII scrubber (built once: its recognizers take a moment)."""
    return Scrubber()
