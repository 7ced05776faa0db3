"""The pure core (dialogs/): no database, no messenger. The engine fixture on the sample questionnaires
and the catalogues are in tests/conftest.py."""

from __future__ import annotations

import pytest

from dialogs.i18n import Translator


@pytest.fixture
def t() -> Translator:
    """The source-language (German) translator: texts as the questionnaires define them."""
    return Translator()
