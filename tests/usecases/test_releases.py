"""Making a release through the use case, as the command line and Telegram do: the file in every format
(owner-only, replacing an older file), the refusal of a release that could be subtracted from the last
one, row-level data only on request and alone, and the retention purge."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.usecases.exports import ReleaseRefused, export_field
from dialogs.definitions import Catalogue
from dialogs.messages import AnswerSet, ConsentGiven
from storage import audit
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Answer, ConversationStateRow, FieldCompletion, Participant
from storage.pseudonym import pseudonym
from tests.storage.releases.support import KEY, MITTE, add_person

HOUSING = {"wohnform": "eigene_wohnung", "bescheide_verstehen": 3}


async def release(
    db: AsyncEngine, catalogue: Catalogue, path: Path, *, fmt: str | None = None, **options: bool
) -> None:
    fmt = fmt or {".zip": "csv"}.get(path.suffix, path.suffix.lstrip("."))
    await export_field(session_factory(db), catalogue, "wohnen", fmt, path, 5, "cli:test", **options)


async def people(db: AsyncEngine, numbers: range) -> list[str]:
    return [await add_person(db, n, HOUSING, about=MITTE, locale="ar") for n in numbers]


async def backdate(db: AsyncEngine, by: timedelta) -> None:
    """Move every answer, submission and language choice (all made just now) into the past."""
    past = datetime.now(UTC) - by
    async with session_factory(db)() as session, session.begin():
        await session.execute(update(Answer).values(answered_at=past))
        await session.execute(update(FieldCompletion).values(completed_at=past))
        await session.execute(
            update(Participant)
            .where(Participant.locale_changed_at.is_not(None))
            .values(locale_changed_at=past)
        )


@pytest.mark.parametrize("name", ["release.xlsx", "release.html", "release.zip", "release.json"])
async def test_every_release_file_is_the_owners_alone_and_replaces_an_older_one(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path, name: str
) -> None:
    await people(db, range(6))
    target = tmp_path / name
    target.write_text("an older file, world-readable")
    target.chmod(0o644)
    await release(db, real_catalogue, target)
    assert target.stat().st_mode & 0o777 == 0o600
    assert b"an older file" not in target.read_bytes()
    async with session_factory(db)() as session:
        logged = [(e.actor, e.field, e.rows) for e in await audit.entries(session)]
    assert logged == [("cli:test", "wohnen", 6)]


async def test_a_release_one_person_apart_from_the_last_is_refused(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    """Two files one person apart would give that person's answers by subtraction."""
    everyone = await people(db, range(8))
    await backdate(db, timedelta(minutes=10))  # they answered a while ago
    await release(db, real_catalogue, tmp_path / "first.json")
    await release(db, real_catalogue, tmp_path / "again.xlsx")  # the same data: the same tables
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).forget(everyone[0], KEY)
    with pytest.raises(ReleaseRefused) as refused:
        await release(db, real_catalogue, tmp_path / "second.json")
    assert "1 person joined, left or changed answers" in str(refused.value)
    assert "at least 5" in str(refused.value)
    assert not (tmp_path / "second.json").exists()
    await people(db, range(100, 104))  # four more, just now: five people apart from the last release
    await release(db, real_catalogue, tmp_path / "third.json")
    third = json.loads((tmp_path / "third.json").read_text(encoding="utf-8"))
    assert third["respondents"] == 11


async def test_only_submitted_answers_count_unless_partial_ones_are_asked_for(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await people(db, range(6))
    for n in range(50, 56):
        await add_person(db, n, HOUSING, submitted=False)
    await release(db, real_catalogue, tmp_path / "sent.json")
    sent = json.loads((tmp_path / "sent.json").read_text(encoding="utf-8"))
    assert sent["respondents"] == 6 and sent["started_only"] is None
    await release(db, real_catalogue, tmp_path / "partial.json", partial=True)
    partial = json.loads((tmp_path / "partial.json").read_text(encoding="utf-8"))
    assert partial["respondents"] == 6 and partial["started_only"] == 6


async def test_row_level_data_only_on_request_and_in_a_file_of_their_own(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await people(db, range(12))
    await release(db, real_catalogue, tmp_path / "tables.xlsx")
    assert "Einzeldaten" not in load_workbook(tmp_path / "tables.xlsx").sheetnames
    await release(db, real_catalogue, tmp_path / "rows.zip", microdata=True)
    with zipfile.ZipFile(tmp_path / "rows.zip") as rows:
        names = rows.namelist()
        readme = rows.read("LIESMICH.txt").decode("utf-8-sig")
    assert "einzeldaten.csv" in names
    assert "nur Einzeldaten" in readme  # no tables beside the rows: together they could undo each other


async def test_purge_removes_only_the_inactive(db: AsyncEngine) -> None:
    from dialogs.state import ConversationState

    old, new = pseudonym(KEY, "t", 1), pseudonym(KEY, "t", 2)
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        for person in (old, new):
            await repo.apply(person, [ConsentGiven("de"), AnswerSet("about", "alter", "a18_29")])
            await repo.save(person, ConversationState(locale="de"), None)
        await session.execute(
            update(ConversationStateRow)
            .where(ConversationStateRow.pseudonym == old)
            .values(updated_at=datetime.now(UTC) - timedelta(days=400))
        )
    async with session_factory(db)() as session, session.begin():
        removed = await ConversationRepository(session).purge_inactive(
            datetime.now(UTC) - timedelta(days=365), KEY
        )
        assert removed == 1
        assert await ConversationRepository(session).load(new) is not None
        assert await ConversationRepository(session).load(old) is None
        assert await ConversationRepository(session).answers(old) == {}
