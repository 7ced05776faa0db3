"""What every writer does alike: the formats on offer, private files, nothing half written, and no
number of a hidden count in any file."""

from __future__ import annotations

import json
import os
import stat
import threading
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from storage.releases.model import Cell, Counts, Distribution, Release
from storage.releases.writers import SUFFIXES, WRITERS, common
from storage.releases.writers.files import private_file, private_output

FORMATS = ["xlsx", "html", "csv", "json"]


def everything_in(path: Path) -> str:
    """All text a reader could get out of the file, whatever its format."""
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        return "\n".join(
            str(cell.value)
            for sheet in book
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return path.read_text(encoding="utf-8")


def test_the_four_formats_and_the_suffixes_that_choose_them() -> None:
    assert sorted(WRITERS) == sorted(FORMATS)
    assert SUFFIXES == {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".zip": "csv", ".json": "json"}
    assert set(SUFFIXES.values()) == set(WRITERS)


@pytest.mark.parametrize("name", FORMATS)
def test_a_release_file_is_readable_by_its_owner_only(name: str, wohnen: Release, tmp_path: Path) -> None:
    fresh = tmp_path / f"fresh.{name}"
    existing = tmp_path / f"existing.{name}"
    existing.write_text("an older, world-readable file")
    existing.chmod(0o644)
    old_umask = os.umask(0)  # a careless umask must not widen the mode
    try:
        WRITERS[name](wohnen, fresh)
        WRITERS[name](wohnen, existing)
    finally:
        os.umask(old_umask)
    for path in (fresh, existing):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert existing.read_bytes() == fresh.read_bytes() or name == "xlsx"  # XLSX stamps the time
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh.name, existing.name])


def test_the_file_is_private_before_the_first_byte(tmp_path: Path) -> None:
    path = tmp_path / "release.bin"
    modes: list[int] = []
    with private_output(path) as handle:
        partial = [p for p in tmp_path.iterdir()]
        assert len(partial) == 1 and partial[0].name.startswith(".release.bin.")
        modes.append(stat.S_IMODE(partial[0].stat().st_mode))
        handle.write(b"data")
        assert not path.exists()  # nobody sees the release before it is whole
    assert modes == [0o600]
    assert path.read_bytes() == b"data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path, wohnen: Release) -> None:
    target = tmp_path / "target.json"
    target.write_text("old")
    target.chmod(0o644)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    WRITERS["json"](wohnen, link)
    assert link.is_symlink() and json.loads(target.read_text())["field"]["id"] == "wohnen"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_a_pipe_is_written_into_not_replaced(tmp_path: Path, wohnen: Release) -> None:
    """As `-o /dev/stdout` would: the device or pipe stays what it is and gets the whole file."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe, 0o600)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    WRITERS["html"](wohnen, pipe)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert received and received[0].startswith(b"<!DOCTYPE html>") and received[0].endswith(b"</html>\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_private_file_kept_from_the_old_exports(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_text("x")
    path.chmod(0o644)
    private_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == ""


def test_a_writer_that_fails_leaves_the_earlier_file_and_no_fragment(tmp_path: Path) -> None:
    path = tmp_path / "release.json"
    path.write_text("earlier")
    with pytest.raises(RuntimeError), private_output(path) as handle:
        handle.write(b"half a rel")
        raise RuntimeError("disk full")
    assert path.read_text() == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["release.json"]


def poisoned(release: Release) -> Release:
    """The release with a number left in one hidden cell, as a bug before the writers could leave it."""
    question = release.questions[0]
    assert question.submitted is not None
    cells = list(question.submitted.cells)
    index = next(i for i, c in enumerate(cells) if c.hidden == "small")
    cells[index] = Cell(4321, "small")
    submitted: Counts = replace(question.submitted, cells=cells)
    who = [*release.who, Distribution("Bezirk", [("Spandau", Cell(8765, "protect"))])]
    return replace(
        release, questions=[replace(question, submitted=submitted), *release.questions[1:]], who=who
    )


@pytest.mark.parametrize("name", FORMATS)
def test_a_release_whose_hidden_cell_carries_a_number_is_refused(
    name: str, wohnen: Release, tmp_path: Path
) -> None:
    path = tmp_path / f"release.{name}"
    with pytest.raises(ValueError, match="hidden cell carries a number"):
        WRITERS[name](poisoned(wohnen), path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", FORMATS)
def test_even_unchecked_a_hidden_cell_is_written_without_its_number(
    name: str, wohnen: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Belt and braces: past the check, the writers still never read a hidden cell's count."""
    monkeypatch.setattr(common, "check", lambda release: None)
    for module in ("to_xlsx", "to_html", "to_csv", "to_json"):
        monkeypatch.setattr(f"storage.releases.writers.{module}.check", lambda release: None)
    path = tmp_path / {"xlsx": "r.xlsx", "html": "r.html", "csv": "r.zip", "json": "r.json"}[name]
    WRITERS[name](poisoned(wohnen), path)
    text = everything_in(path)
    assert "4321" not in text and "8765" not in text
    assert "Spandau" in text  # the poisoned rows were written, without their numbers


@pytest.mark.parametrize("name", FORMATS)
def test_a_release_with_nothing_to_show_still_reads(name: str, tmp_path: Path) -> None:
    """No answers yet, no texts: the file opens and says so rather than failing."""
    empty = Release(
        field_id="demokratie",
        title="Demokratie",
        k=5,
        made_on=date(2026, 12, 2),
        respondents=0,
        started_only=None,
        questions=[],
        who=[],
        texts=[],
        held_back_texts=0,
        notes=[],
    )
    path = tmp_path / f"leer.{name}"
    WRITERS[name](empty, path)
    text = everything_in(path.rename(path.with_suffix({"csv": ".zip"}.get(name, path.suffix))))
    assert "Demokratie" in text and "0" in text


def test_a_small_hidden_cell_reads_as_why_never_as_a_number() -> None:
    assert common.cell_text(Cell(None, "small"), 5) == "weniger als 5"
    assert common.cell_text(Cell(None, "protect"), 5) == "verdeckt"
    assert common.cell_count(Cell(None, "small")) is None
    assert common.cell_text(Cell.shown(0), 5) == "0"


@pytest.mark.parametrize("name", FORMATS)
def test_no_hidden_count_shows_up_as_a_number(name: str, written: dict[str, Path], wohnen: Release) -> None:
    """Every hidden cell of the release is written as its reason; the JSON says so cell by cell."""
    text = everything_in(written[name])
    assert "weniger als 5" in text and "verdeckt" in text
    if name == "json":
        cells = [
            c
            for q in json.loads(text)["questions"]
            if q["submitted"]
            for c in [*q["submitted"]["answers"], *q["submitted"]["base"].values()]
        ]
        hidden = [c for c in cells if c["hidden"] is not None]
        assert hidden and all(c["count"] is None for c in hidden)
