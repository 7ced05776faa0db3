"""Facts about the data that the consent and the privacy page state, set by the operator (bot/settings.py).

Neither the product brief nor the documentation names who is responsible for the data or how long it
is kept, so they are settings; the defaults are placeholders that an operator must replace.
"""

from __future__ import annotations

from dataclasses import dataclass

PLACEHOLDER_CONTROLLER = "[verantwortliche Stelle: MITSPRACHE_DATA_CONTROLLER setzen]"
DEFAULT_RETENTION_MONTHS = 12


@dataclass(frozen=True)
class PrivacyFacts:
    # Who is responsible for the data (the controller in the sense of the GDPR), with a way to reach
    # them, e.g. "Die Beauftragte des Berliner Senats für Integration und Migration, Potsdamer Str. 65,
    # 10785 Berlin". Inserted as is into every language.
    controller: str = PLACEHOLDER_CONTROLLER
    # Everything about a person is deleted after this many months without a turn
    # (`mitsprache purge --older-than`, which the operator schedules).
    retention_months: int = DEFAULT_RETENTION_MONTHS
