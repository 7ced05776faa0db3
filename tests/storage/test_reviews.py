"""The scrubbed form a free text keeps (storage/reviews.py): it holds for the text it was made of, goes
when the text changes, is never stored over a text changed meanwhile, and goes with the person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue
from dialogs.messages import AnswerSet, ConsentGiven
from storage import migrate, reviews
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Answer
from storage.pseudonym import pseudonym

KEY = b"s" * 32


async def answer(db: AsyncEngine, number: int, text: str, *, consent: bool = True) -> str:
    person = pseudonym(KEY, "telegram", number)
    async with session_factory(db)() as session, session.begin():
        events = [ConsentGiven("de")] if consent else []
        await ConversationRepository(session).apply(person, [*events, AnswerSet("wohnen", "sonstiges", text)])
    return person


async def stored(db: AsyncEngine) -> list[tuple[str | None, str | None, str | None]]:
    """(scrubbed, its hash, its scrubber) of every answer, by answer number."""
    async with session_factory(db)() as session:
        rows = await session.execute(
            select(Answer.scrubbed, Answer.scrubbed_hash, Answer.scrubbed_by).order_by(Answer.id)
        )
        return [tuple(row) for row in rows.all()]


async def scrub_all(db: AsyncEngine, catalogue: Catalogue, version: str = "v1") -> list[reviews.TextAnswer]:
    """Read the field's texts and store a scrubbed form of each, as the use case does."""
    async with session_factory(db)() as session, session.begin():
        found = await reviews.texts(session, catalogue, "wohnen")
        await reviews.store_scrubbed(session, [(t, f"[{version}] {t.text}") for t in found], version)
    return found


async def test_a_scrubbed_form_holds_for_its_text_and_its_scrubber_only(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    await answer(db, 1, "Die Heizung ist kaputt.")
    await scrub_all(db, real_catalogue)
    async with session_factory(db)() as session:
        (text,) = await reviews.texts(session, real_catalogue, "wohnen")
    assert text.scrubbed("v1") == "[v1] Die Heizung ist kaputt."
    assert text.scrubbed("v2") is None  # another scrubber: made again
    assert await stored(db) == [
        ("[v1] Die Heizung ist kaputt.", reviews.text_hash("Die Heizung ist kaputt."), "v1")
    ]


async def test_answering_again_clears_the_scrubbed_form_in_the_same_statement(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    person = await answer(db, 1, "Ich heiße Quokka.")
    await scrub_all(db, real_catalogue)
    await answer(db, 1, "Lieber doch nicht.", consent=False)
    assert await stored(db) == [(None, None, None)]  # nothing of the old words stays, even scrubbed
    async with session_factory(db)() as session:
        (text,) = await reviews.texts(session, real_catalogue, "wohnen")
        assert await ConversationRepository(session).answers(person) == {("wohnen", "sonstiges"): text.text}
    assert text.text == "Lieber doch nicht." and text.scrubbed("v1") is None


async def test_a_text_changed_meanwhile_gets_no_scrubbed_form_of_its_old_words(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    """Staff list the texts (read), the person changes theirs while it is scrubbed, then the results
    are stored: the changed answer keeps nothing of the old text."""
    await answer(db, 1, "Alter Text, Quokka.")
    await answer(db, 2, "Bleibt.")
    async with session_factory(db)() as session:
        read = await reviews.texts(session, real_catalogue, "wohnen")
    await answer(db, 1, "Neuer Text.", consent=False)
    async with session_factory(db)() as session, session.begin():
        await reviews.store_scrubbed(session, [(t, f"[v1] {t.text}") for t in read], "v1")
    assert await stored(db) == [(None, None, None), ("[v1] Bleibt.", reviews.text_hash("Bleibt."), "v1")]


async def test_an_old_scrubbed_form_never_stands_for_a_new_text(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    """Even where a stale form is left on the row (the value written past the repository)."""
    await answer(db, 1, "Alter Text.")
    await scrub_all(db, real_catalogue)
    async with session_factory(db)() as session, session.begin():
        await session.execute(update(Answer).values(value="Neuer Text."))
    async with session_factory(db)() as session:
        (text,) = await reviews.texts(session, real_catalogue, "wohnen")
    assert text.stored == "[v1] Alter Text." and text.scrubbed("v1") is None


async def test_deleting_or_purging_a_person_removes_their_scrubbed_texts(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    deleted = await answer(db, 1, "Quokka aus Marzahn.")
    await answer(db, 2, "Wombat aus Spandau.")
    await scrub_all(db, real_catalogue)
    assert [form for form, _, _ in await stored(db)] == [
        "[v1] Quokka aus Marzahn.",
        "[v1] Wombat aus Spandau.",
    ]
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).forget(deleted, KEY)
    assert [form for form, _, _ in await stored(db)] == ["[v1] Wombat aus Spandau."]
    async with session_factory(db)() as session, session.begin():
        removed = await ConversationRepository(session).purge_inactive(
            datetime.now(UTC) + timedelta(days=1), KEY
        )
    assert removed == 1
    async with session_factory(db)() as session:
        left = (await session.scalars(select(Answer.scrubbed).where(Answer.scrubbed.is_not(None)))).all()
    assert left == [] and await stored(db) == []


async def answer_columns(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        return await conn.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("answers")})


async def test_0009_down_to_0008_and_up_again_keeps_answers_and_reviews(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    """On SQLite the answers table is copied to drop the columns: its reviews must survive that."""
    head = migrate.head_revision()  # 0009 or a later one
    await answer(db, 1, "Die Heizung ist kaputt.")
    (text,) = await scrub_all(db, real_catalogue)
    async with session_factory(db)() as session, session.begin():
        assert await reviews.decide(session, text.answer_id, "released", "cli:test")
    await migrate.downgrade(db, "0008")
    assert {"scrubbed", "scrubbed_hash", "scrubbed_by"}.isdisjoint(await answer_columns(db))
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == head
    async with session_factory(db)() as session:
        (again,) = await reviews.texts(session, real_catalogue, "wohnen")
    assert (again.text, again.status, again.stored) == ("Die Heizung ist kaputt.", "released", None)
