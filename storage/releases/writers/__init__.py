"""Writers of a release: XLSX, HTML, CSV (a ZIP of tables with LIESMICH.txt) and JSON.

Each takes a protected `Release` (storage/releases/model.py) and a path, and writes the file readable by
its owner only (files.py). They are synchronous: the use case runs them in a worker thread. A writer
refuses a release whose hidden cells still carry numbers (common.check), and sees nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storage.releases.model import Release
from storage.releases.writers.to_csv import write_csv
from storage.releases.writers.to_html import write_html
from storage.releases.writers.to_json import write_json
from storage.releases.writers.to_xlsx import write_xlsx

Writer = Callable[[Release, Path], None]

WRITERS: dict[str, Writer] = {
    "xlsx": write_xlsx,
    "html": write_html,
    "csv": write_csv,
    "json": write_json,
}

# A file name's suffix (lower case) -> the format written for it. CSV comes as a ZIP of tables.
SUFFIXES: dict[str, str] = {
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
    ".zip": "csv",
    ".json": "json",
}

__all__ = ["SUFFIXES", "WRITERS", "Writer", "write_csv", "write_html", "write_json", "write_xlsx"]
