"""The fixed names the questionnaires, the events and the command line share.

Nothing is imported here, on purpose: `mitsprache --help` shows these as choices and must not load
pydantic or YAML to do so (dialogs/definitions.py and dialogs/events.py import them from here).
"""

from __future__ import annotations

# The nine Handlungsfelder in their official order.
FIELD_IDS: tuple[str, ...] = (
    "ankommen",
    "wohnen",
    "gesundheit",
    "familie",
    "arbeit",
    "hochschule",
    "sozialraum",
    "partizipation",
    "demokratie",
)
# Berlin's twelve Bezirke, by the short id staff type.
DISTRICTS = (
    "mitte", "friedrichshain", "pankow", "charlottenburg", "spandau", "steglitz", "tempelhof",
    "neukoelln", "treptow", "marzahn", "lichtenberg", "reinickendorf",
)  # fmt: skip
