"""A free text is scrubbed once per version (bot/usecases/reviews.py), when staff list or release it, never
again at each export; a changed text once more, and the release shows its new scrubbed form. The
scrubber here counts its calls and is injected where the real one would be."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.usecases import reviews
from bot.usecases.exports import export_field
from dialogs.definitions import Catalogue
from dialogs.messages import AnswerSet
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Answer, FieldCompletion
from storage.reviews import Scrubbing
from tests.storage.releases.support import add_person, release_text

HOUSING = {"wohnform": "eigene_wohnung", "bescheide_verstehen": 3}


@dataclass
class Counting:
    """A scrubber that marks what it made with its version and remembers every text it was given."""

    version: str = "v1"
    calls: list[str] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)

    def scrub(self, text: str) -> str:
        self.calls.append(text)
        self.threads.add(threading.get_ident())
        return f"[{self.version}] {text}"

    @property
    def using(self) -> Scrubbing:
        return Scrubbing(self.scrub, self.version)


async def people(db: AsyncEngine, numbers: range) -> list[str]:
    """People who answered with a free text each ("Text n"), a while ago."""
    found = [await add_person(db, n, {**HOUSING, "sonstiges": f"Text {n}"}, locale="ar") for n in numbers]
    past = datetime.now(UTC) - timedelta(minutes=10)
    async with session_factory(db)() as session, session.begin():
        await session.execute(update(Answer).values(answered_at=past))
        await session.execute(update(FieldCompletion).values(completed_at=past))
    return found


async def export(db: AsyncEngine, catalogue: Catalogue, path: Path, scrubber: Counting) -> list[str]:
    """The free texts of a JSON release of housing, sorted."""
    await export_field(
        session_factory(db), catalogue, "wohnen", "json", path, 5, "cli:test", scrubbing=scrubber.using
    )
    return texts_in(path)


def texts_in(path: Path) -> list[str]:
    return sorted(text["text"] for text in json.loads(path.read_text(encoding="utf-8"))["texts"])


async def list_and_release(db: AsyncEngine, catalogue: Catalogue, scrubber: Counting) -> list[int]:
    listed = await reviews.listing(session_factory(db), catalogue, "wohnen", "pending", scrubber.using)
    ids = [text.answer_id for text in listed]
    assert (
        await reviews.decide(session_factory(db), catalogue, ids, "released", "cli:test", scrubber.using)
        == []
    )
    return ids


async def test_a_text_is_scrubbed_when_listed_and_never_again_at_an_export(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await people(db, range(6))
    scrubber = Counting()
    await list_and_release(db, real_catalogue, scrubber)
    assert sorted(scrubber.calls) == [f"Text {n}" for n in range(6)]  # once each, when listed
    first = await export(db, real_catalogue, tmp_path / "first.json", scrubber)
    assert first == [f"[v1] Text {n}" for n in range(6)]
    assert len(scrubber.calls) == 6
    second = await export(db, real_catalogue, tmp_path / "second.json", scrubber)
    assert second == first and len(scrubber.calls) == 6  # the second export scrubbed nothing
    listed = await reviews.listing(session_factory(db), real_catalogue, "wohnen", "released", scrubber.using)
    assert len(listed) == 6 and len(scrubber.calls) == 6  # nor does listing them again
    assert scrubber.threads and threading.get_ident() not in scrubber.threads  # never on the event loop


async def test_texts_released_before_their_forms_were_stored_are_scrubbed_at_the_first_export_only(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    """Reviewed before this version (no stored form): the first export scrubs each once and keeps it."""
    everyone = await people(db, range(6))
    for person in everyone[:4]:
        await release_text(db, person, "wohnen", "sonstiges", scrub=None)
    scrubber = Counting()
    assert await export(db, real_catalogue, tmp_path / "first.json", scrubber) == [
        f"[v1] Text {n}" for n in range(4)
    ]
    assert sorted(scrubber.calls) == [f"Text {n}" for n in range(4)]  # not the two never released
    await export(db, real_catalogue, tmp_path / "second.json", scrubber)
    assert len(scrubber.calls) == 4


async def test_a_changed_text_is_scrubbed_again_once_and_the_release_shows_its_new_form(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    everyone = await people(db, range(6))
    scrubber = Counting()
    await list_and_release(db, real_catalogue, scrubber)
    assert await export(db, real_catalogue, tmp_path / "first.json", scrubber) == [
        f"[v1] Text {n}" for n in range(6)
    ]
    # Five people (k: fewer changes would refuse the next release) write their text anew.
    async with session_factory(db)() as session, session.begin():
        for n, person in enumerate(everyone[:5]):
            await ConversationRepository(session).apply(
                person, [AnswerSet("wohnen", "sonstiges", f"Neu {n}")]
            )
    async with session_factory(db)() as session:
        forms = (await session.scalars(select(Answer.scrubbed).where(Answer.question == "sonstiges"))).all()
    assert sorted(form for form in forms if form is not None) == ["[v1] Text 5"]  # the old forms are gone
    # Changed texts wait for a decision again: the release holds only the unchanged one, scrubs nothing.
    assert await export(db, real_catalogue, tmp_path / "second.json", scrubber) == ["[v1] Text 5"]
    assert len(scrubber.calls) == 6
    await list_and_release(db, real_catalogue, scrubber)
    assert scrubber.calls[6:] == [f"Neu {n}" for n in range(5)]  # each new version once
    third = await export(db, real_catalogue, tmp_path / "third.json", scrubber)
    assert third == [*(f"[v1] Neu {n}" for n in range(5)), "[v1] Text 5"]
    assert len(scrubber.calls) == 11
    assert not any(f"Text {n}" in text for text in third for n in range(5))


async def test_a_new_scrubber_scrubs_each_released_text_again_once(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await people(db, range(6))
    old = Counting("v1")
    await list_and_release(db, real_catalogue, old)
    new = Counting("v2")
    assert await export(db, real_catalogue, tmp_path / "first.json", new) == [
        f"[v2] Text {n}" for n in range(6)
    ]
    assert len(new.calls) == 6
    await export(db, real_catalogue, tmp_path / "second.json", new)
    assert len(new.calls) == 6 and len(old.calls) == 6


async def test_withholding_stores_no_scrubbed_form_and_row_level_data_scrub_nothing(
    db: AsyncEngine, real_catalogue: Catalogue, tmp_path: Path
) -> None:
    await people(db, range(6))
    scrubber = Counting()
    sessions = session_factory(db)
    ids = await reviews.pending(sessions, real_catalogue, ["wohnen"])
    assert (
        await reviews.decide(sessions, real_catalogue, ids[:3], "withheld", "cli:test", scrubber.using) == []
    )
    await reviews.decide(sessions, real_catalogue, ids[3:], "released", "cli:test", scrubber.using)
    assert scrubber.calls == ["Text 3", "Text 4", "Text 5"]  # released, never listed: scrubbed now
    async with sessions() as session:
        forms = (await session.scalars(select(Answer.scrubbed).where(Answer.id.in_(ids[:3])))).all()
    assert forms == [None, None, None]
    async with sessions() as session, session.begin():
        await session.execute(update(Answer).where(Answer.id.in_(ids[3:])).values(scrubbed_by="v0"))
    await export_field(
        sessions, real_catalogue, "wohnen", "json", tmp_path / "rows.json", 5, "cli:test",
        microdata=True, scrubbing=scrubber.using,
    )  # fmt: skip
    assert len(scrubber.calls) == 3  # row-level data carry no text: nothing to scrub for them
