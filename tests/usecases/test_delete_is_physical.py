""" "Delete everything" deletes for real: on SQLite nothing of the person's words is left in the database
file or its write-ahead log afterwards, neither as written nor in the scrubbed form kept for review."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from bot.usecases import reviews
from bot.usecases.turns import Conversations
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from dialogs.messages import AnswerSet, Command, Press
from storage import migrate
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory
from storage.reviews import Scrubbing

MARKER = "Quokka-Zebra-Brief 4711 aus Marzahn"
SCRUBBED = "Wombat-Kranich-Brief 4711 aus [ORT]"  # what the scrubber below makes of it


def leftovers(database: Path, marker: str = MARKER) -> list[str]:
    found = []
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists() and marker.encode() in path.read_bytes():
            found.append(path.name)
    return found


async def test_after_delete_everything_the_words_are_gone_from_file_and_log(
    tmp_path: Path, real_catalogue: Catalogue
) -> None:
    database = tmp_path / "physical.sqlite3"
    engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{database}")
    await migrate.upgrade(engine)
    conversations = Conversations(Engine(real_catalogue), session_factory(engine), b"p" * 40, translator)
    person = conversations.person("web", "PHYSICAL0001")
    outcome = await conversations.handle(person, Press(0, "adult"), "de")
    assert outcome.state is not None
    async with session_factory(engine)() as session, session.begin():
        await ConversationRepository(session).apply(person, [AnswerSet("wohnen", "sonstiges", MARKER)])
    scrubbing = Scrubbing(lambda text: text.replace(MARKER, SCRUBBED), "test")
    listed = await reviews.listing(session_factory(engine), real_catalogue, "wohnen", using=scrubbing)
    assert [text.scrubbed for text in listed] == [SCRUBBED]
    assert leftovers(database), "the free text should be in the database before"
    assert leftovers(database, SCRUBBED), "and its scrubbed form"
    confirm = await conversations.handle(person, Command("delete"), "de")
    state = confirm.state
    assert state is not None
    await conversations.handle(person, Press(state.seq, "forget"), "de")
    assert leftovers(database) == [] and leftovers(database, SCRUBBED) == []
    await engine.dispose()
