"""The release writers (storage/releases/writers/): each format written from hand-built releases
(releases.py) and opened the way a working group would open it. No database: writers see only the
release."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.definitions import Catalogue
from storage.releases.model import Release
from storage.releases.writers import WRITERS
from tests.storage.releases_writers import releases


@pytest.fixture(scope="session")
def wohnen(real_catalogue: Catalogue) -> Release:
    return releases.wohnen(real_catalogue)


@pytest.fixture(scope="session")
def partial(real_catalogue: Catalogue) -> Release:
    return releases.gesundheit_partial(real_catalogue)


@pytest.fixture(scope="session")
def written(tmp_path_factory: pytest.TempPathFactory, wohnen: Release, partial: Release) -> dict[str, Path]:
    """Every format written once for each release: "<format>" for wohnen, "<format>-partial" for
    the partial gesundheit release."""
    folder = tmp_path_factory.mktemp("releases")
    suffix = {"xlsx": ".xlsx", "html": ".html", "csv": ".zip", "json": ".json"}
    paths: dict[str, Path] = {}
    for name, write in WRITERS.items():
        for key, release in ((name, wohnen), (f"{name}-partial", partial)):
            path = folder / f"{key}{suffix[name]}"
            write(release, path)
            paths[key] = path
    return paths
