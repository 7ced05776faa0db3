"""Repositories and migrations, on SQLite and PostgreSQL through the parametrised `db` fixture."""

from __future__ import annotations

import asyncio
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.usecases.turns import Conversations
from dialogs.engine import Engine
from dialogs.i18n import Translator
from dialogs.messages import AnswerSet, ConsentGiven, Press, Start, Text
from dialogs.state import ConversationState
from storage import migrate
from storage.conversations import ConversationRepository, StaleState
from storage.db import create_engine, session_factory
from storage.dialect import PERSONAL_TABLES, reclaim
from storage.models import Answer, Participant
from storage.pseudonym import load_or_create_key, pseudonym

KEY = b"k" * 32


def conversations(db: AsyncEngine, engine: Engine) -> Conversations:
    return Conversations(engine, session_factory(db), KEY, lambda locale: Translator())


async def count(db: AsyncEngine, table: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_migrations_create_the_tables_and_reach_head(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"participants", "conversation_states", "answers", "field_completions"} <= tables
    assert await migrate.current_revision(db) == migrate.head_revision()
    await migrate.ensure_current(db)


async def test_downgrade_to_base_and_up_again(db: AsyncEngine) -> None:
    await migrate.downgrade(db, "base")
    assert await migrate.current_revision(db) is None
    await migrate.upgrade(db)
    assert await migrate.current_revision(db) == migrate.head_revision()


async def test_empty_database_is_refused_with_the_command_to_run(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with pytest.raises(migrate.SchemaOutdated, match="mitsprache db upgrade"):
            await migrate.ensure_current(engine)
    finally:
        await engine.dispose()


async def test_outdated_schema_is_refused_with_the_command_to_run(
    db: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The code knows a newer migration than the database has.
    monkeypatch.setattr(migrate, "head_revision", lambda: "0099_future")
    with pytest.raises(migrate.SchemaOutdated, match=r"outdated.*mitsprache db upgrade"):
        await migrate.ensure_current(db)


async def test_schema_from_a_newer_version_is_refused(db: AsyncEngine) -> None:
    async with db.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(migrate.SchemaOutdated, match="newer version"):
        await migrate.ensure_current(db)


def test_the_newest_revision_is_the_one_alembic_names() -> None:
    from alembic.script import ScriptDirectory

    assert migrate.head_revision() == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


async def test_the_start_up_check_does_without_alembic(db: AsyncEngine, db_url: str) -> None:
    """Alembic (with Mako and Pygments) is some 10 MB that a running bot would carry for nothing: a process
    that only checks the schema, as `mitsprache run` does at start, never imports it."""
    script = (
        "import asyncio, sys\n"
        "from storage import migrate\n"
        "from storage.db import create_engine\n"
        f"asyncio.run(migrate.ensure_current(create_engine({db_url!r})))\n"
        "assert 'alembic' not in sys.modules, 'alembic was imported'\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, out.decode()


async def test_nothing_is_stored_before_consent(db: AsyncEngine, engine: Engine) -> None:
    conv = conversations(db, engine)
    person = conv.person("test", 1)
    await conv.handle(person, Start(), "de")
    await conv.handle(person, Press(0, "more"), "de")
    await conv.handle(person, Text("hallo"), "de")
    await conv.handle(person, Press(0, "agree"), "de")  # "yes", but the age is not given yet
    await conv.handle(person, Press(0, "minor"), "de")  # under 16: a parent must agree first
    await conv.handle(person, Press(0, "decline"), "de")
    for table in ("participants", "conversation_states", "answers"):
        assert await count(db, table) == 0


async def test_state_survives_and_answers_are_stored_once(db: AsyncEngine, engine: Engine) -> None:
    conv = conversations(db, engine)
    person = conv.person("test", 2)
    out = await conv.handle(person, Press(0, "adult"), "de")
    assert out.state is not None
    # Decline the about block, send it, open a field and answer the first question.
    for _ in range(5):
        out = await conv.handle(person, Press(out.state.seq, "pick", "no_answer"), "de")
        assert out.state is not None
    out = await conv.handle(person, Press(out.state.seq, "send"), "de")
    assert out.state is not None
    out = await conv.handle(person, Press(out.state.seq, "open", "wohnen"), "de")
    assert out.state is not None
    seq = out.state.seq
    first = await conv.handle(person, Press(seq, "pick", "ja"), "de")
    double = await conv.handle(person, Press(seq, "pick", "nein"), "de")  # a stale double tap
    assert any(isinstance(e, AnswerSet) for e in first.events)
    assert double.events == ()
    async with session_factory(db)() as session:
        repo = ConversationRepository(session)
        assert await repo.answers(person, "wohnen") == {("wohnen", "q_yesno"): "ja"}
        stored = await repo.load(person)
    assert stored is not None
    assert stored.state.field == "wohnen"
    assert stored.state.fields["wohnen"].current == "q_single"


async def test_answering_again_replaces_the_answer(db: AsyncEngine) -> None:
    person = pseudonym(KEY, "test", 3)
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        await repo.apply(person, [ConsentGiven("de")])
        await repo.apply(person, [AnswerSet("wohnen", "q", "a")])
        await repo.apply(person, [AnswerSet("wohnen", "q", ["b", "c"])])
        await repo.apply(person, [AnswerSet("wohnen", "q2", 4)])
    async with session_factory(db)() as session:
        rows = (await session.execute(select(Answer.question, Answer.value))).all()
    assert sorted(rows, key=lambda r: r[0]) == [("q", ["b", "c"]), ("q2", 4)]


async def test_concurrent_update_is_detected(db: AsyncEngine) -> None:
    person = pseudonym(KEY, "test", 4)
    state = ConversationState(locale="de")
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        await repo.apply(person, [ConsentGiven("de")])
        assert await repo.save(person, state, None) == 1
    async with session_factory(db)() as session, session.begin():
        assert await ConversationRepository(session).save(person, state, 1) == 2
    with pytest.raises(StaleState):
        async with session_factory(db)() as session, session.begin():
            await ConversationRepository(session).save(person, state, 1)


async def test_parallel_double_tap_stores_one_answer(db: AsyncEngine, engine: Engine) -> None:
    conv = conversations(db, engine)
    person = conv.person("test", 5)
    out = await conv.handle(person, Press(0, "adult"), "de")
    assert out.state is not None
    seq = out.state.seq
    results = await asyncio.gather(
        *(conv.handle(person, Press(seq, "pick", "mitte"), "de") for _ in range(8))
    )
    assert sum(1 for r in results if r.events) == 1
    async with session_factory(db)() as session:
        answers = await ConversationRepository(session).answers(person)
    assert answers == {("about", "bezirk"): "mitte"}


async def test_foreign_keys_cascade_on_delete(db: AsyncEngine) -> None:
    person = pseudonym(KEY, "test", 6)
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        await repo.apply(person, [ConsentGiven("de"), AnswerSet("about", "alter", "a18_29")])
        await repo.save(person, ConversationState(locale="de"), None)
    async with session_factory(db)() as session, session.begin():
        await session.execute(Participant.__table__.delete())
    assert await count(db, "answers") == 0
    assert await count(db, "conversation_states") == 0


async def test_no_raw_id_in_any_table(db: AsyncEngine, engine: Engine) -> None:
    conv = conversations(db, engine)
    raw_id = 987654321
    person = conv.person("telegram", raw_id)
    await conv.handle(person, Press(0, "adult"), "de")
    async with db.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        for table in tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()
            assert str(raw_id) not in repr(rows), table
    async with session_factory(db)() as session:
        assert await session.scalar(select(func.count()).select_from(Participant)) == 1


def test_pseudonym_is_keyed_and_stable() -> None:
    assert pseudonym(KEY, "telegram", 1) == pseudonym(KEY, "telegram", 1)
    assert pseudonym(KEY, "telegram", 1) != pseudonym(b"x" * 32, "telegram", 1)
    assert pseudonym(KEY, "telegram", 1) != pseudonym(KEY, "terminal", 1)
    assert len(pseudonym(KEY, "telegram", 1)) == 64


def test_generated_key_is_private_and_reused(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "data")
    path = tmp_path / "data" / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(tmp_path / "data") == key
    assert len(key) >= 32


async def test_migrations_build_exactly_the_tables_the_models_describe(db: AsyncEngine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        return [
            d
            for d in compare_metadata(context, Base.metadata)
            if d[0] != "remove_table" or d[1].name != "alembic_version"
        ]

    async with db.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_reclaim_after_a_purge_makes_deleted_rows_physically_gone(db: AsyncEngine) -> None:
    """PostgreSQL: every personal table is vacuumed (dead row versions gone); SQLite: the write-ahead
    log, which still holds the deleted rows' pages, is checkpointed and emptied."""
    events = [ConsentGiven("de"), AnswerSet("wohnen", "x", "y")]
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).apply("gone", events)
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).forget("gone", KEY)
    await reclaim(db)
    if db.dialect.name == "sqlite":
        database = Path(str(db.url.database))
        wal = database.with_name(database.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0
        return
    query = "SELECT relname, last_vacuum IS NOT NULL FROM pg_stat_user_tables"
    async with db.connect() as connection:
        vacuumed = {str(name): bool(done) for name, done in (await connection.exec_driver_sql(query)).all()}
    assert all(vacuumed[table] for table in PERSONAL_TABLES), vacuumed
