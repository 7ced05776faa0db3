"""A release counted from the tally (storage/releases/tally.py, read in a few statements, on PostgreSQL
with COPY) is the release counted from the census (each person's rows): the same tables, the same texts."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from sqlalchemy import Text, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.definitions import Catalogue
from storage.db import session_factory
from storage.dialect import _CopyText, read_columns
from storage.models import Answer
from storage.releases import tally
from storage.releases.build import release_of
from storage.releases.census import take_census
from storage.releases.model import Release
from storage.releases.tally import read_tally
from tests.storage.releases.support import MITTE, add_person, release_text

ODD = "Tab\there, line\nbreak, back\\slash, \\N, \\t, „Anführung“, مرحبا, 𝄞"
LOCALES = ["ar", "ar", "fa", "uk", "uk", "ru", "tr", "ti", "fa_AF", "de"]
DISTRICTS = ["mitte", "mitte", "neukoelln", "spandau", "pankow", "weiss_nicht", "no_answer", "atlantis"]


async def messy_field(db: AsyncEngine) -> None:
    """Forty people of wohnen, with what real data has: skipped questions, "Keine Angabe", values no
    longer offered, unknown about-you answers and none at all, people who never sent the field, and
    free texts released (with scrubbed forms that need escaping), withheld, changed after release,
    released before forms were stored, or only blank."""
    rng = random.Random(7)
    for n in range(40):
        answers: dict[str, Any] = {
            "wohnform": rng.choice(["gemeinschaft", "eigene_wohnung", "wg", "no_answer"]),
            "wohnung_suche": rng.choice(["ja", "nein"]),
            "bescheide_verstehen": rng.randint(1, 5),
        }
        if n % 10 != 9:
            answers["sonstiges"] = ["Zu laut.", "Kein Internet, Tel. 0151 2345678", "   ", ODD][n % 4]
        if rng.random() < 0.2:
            del answers["wohnform"]  # skipped: its follow-ups cannot be decided
        about = {**MITTE, "bezirk": rng.choice(DISTRICTS)}
        if n % 9 == 0:
            about = {}
        person = await add_person(
            db, n, answers, about=about, locale=LOCALES[n % len(LOCALES)], submitted=n % 6 != 0
        )
        if "sonstiges" in answers and n % 7 != 2:
            scrub = None if n % 5 == 0 else (lambda t: t + "\t[geprüft]\\") if n % 3 == 1 else str
            await release_text(db, person, "wohnen", "sonstiges", scrub=scrub)
        if n == 11:
            await release_text(db, person, "wohnen", "sonstiges")
            changed = (Answer.pseudonym == person, Answer.question == "sonstiges")
            async with session_factory(db)() as session, session.begin():
                await session.execute(update(Answer).where(*changed).values(value="Doch anders."))
        if n in (3, 8):
            # Stored by an older questionnaire: an option no longer offered, an unknown question.
            async with session_factory(db)() as session, session.begin():
                mine = (Answer.pseudonym == person, Answer.question == "wohnung_suche")
                await session.execute(update(Answer).where(*mine).values(value=["ja", "ja", "vielleicht"]))
                await session.execute(
                    insert(Answer).values(pseudonym=person, field="wohnen", question="frueher", value=3)
                )


@pytest.mark.parametrize("partial", [False, True])
async def test_the_tally_gives_the_release_the_census_gives(
    db: AsyncEngine, real_catalogue: Catalogue, partial: bool
) -> None:
    await messy_field(db)
    async with session_factory(db)() as session:
        census = await take_census(session, real_catalogue, "wohnen", rng=random.Random(1))
        counted = await read_tally(session, real_catalogue, "wohnen")
    assert counted.people == len(census.people) == 40
    by_census = release_of(census, k=5, partial=partial, rng=random.Random(1))
    by_tally = release_of(counted, k=5, partial=partial, rng=random.Random(1))
    assert digest(by_tally) == digest(by_census)
    # Not an empty comparison: texts with what COPY escapes, texts held back, small counts hidden.
    assert any("\t[geprüft]\\" in t.text and "\n" in t.text for t in by_tally.texts)
    assert by_tally.held_back_texts >= 3
    assert any(c.hidden for q in by_tally.questions if q.submitted for c in q.submitted.cells)
    assert any(r.retired for q in by_tally.questions for r in q.rows)


def digest(release: Release) -> tuple[Any, ...]:
    texts = sorted((t.question_id, t.language, t.text) for t in release.texts)
    return (release.questions, release.who, texts, release.held_back_texts, release.respondents,
            release.started_only, release.notes)  # fmt: skip


async def test_values_are_read_back_exactly(db: AsyncEngine) -> None:
    """COPY's text format escapes tabs, line breaks and backslashes; what comes back is what was there."""
    values = [ODD, "", "\\", "\\\\N", "a\\tb", "\r\x0b\x0c\x08", "ende\\"]
    got: list[list[str]] = []
    async with session_factory(db)() as session:
        statement = select(*(literal(v, Text) for v in values))
        await read_columns(
            session, statement, lambda columns: got.extend(map(list, zip(*columns, strict=True)))
        )
    assert got == [values]


def copy_text(rows: list[list[str]]) -> bytes:
    """Rows as PostgreSQL writes them in COPY's text format."""
    escapes = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v"}
    lines = ["\t".join("".join(escapes.get(c, c) for c in value) for value in row) for row in rows]
    return "".join(line + "\n" for line in lines).encode()


def test_copy_text_is_cut_into_columns_wherever_the_chunks_end(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    alphabet = ["a", "Z", "0", " ", "\t", "\n", "\\", "\r", "\b", "\f", "\v", "N", "ü", "€", "𝄞", "\\n"]
    rows = [["".join(rng.choices(alphabet, k=rng.randint(0, 6))) for _ in range(3)] for _ in range(400)]
    data = copy_text(rows)
    monkeypatch.setattr("storage.dialect.COPY_BYTES_PER_CHUNK", 97)  # many batches, cut anywhere
    got: list[list[str]] = [[], [], []]

    def handle(columns: Any) -> None:
        for mine, column in zip(got, columns, strict=True):
            mine.extend(column)

    copied = _CopyText(3, handle)
    cuts = sorted(rng.sample(range(1, len(data)), 120))
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        asyncio.run(copied.take(data[start:end]))
    copied.finish()
    assert got == [[row[c] for row in rows] for c in range(3)]

    broken = _CopyText(2, print)
    asyncio.run(broken.take(b"a\tb\nc"))
    with pytest.raises(ValueError, match="inside a row"):
        broken.finish()
    narrow = _CopyText(3, print)
    asyncio.run(narrow.take(b"a\tb\n"))
    with pytest.raises(ValueError, match="width"):
        narrow.finish()


def test_people_keep_their_position_however_their_rows_come(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tally._Index, "RECENT", 50)  # merged into the sorted keys many times
    rng = random.Random(5)
    people = [f"{rng.getrandbits(256):064x}" for _ in range(600)]
    # Pseudonyms that share their first eight bytes, or are longer, shorter or not ASCII.
    people += ["abcdefgh" + tail for tail in ("1", "2", "", "zz", "ä", "\x00x")] + ["abc", "ü" * 40]
    index, seen = tally._Index(), dict[str, int]()
    for _ in range(40):
        rows = [p for _ in range(rng.randint(0, 150)) for p in [rng.choice(people)] * rng.randint(1, 4)]
        for pseudonym, position in zip(rows, index.find(rows, add=True).tolist(), strict=True):
            assert seen.setdefault(pseudonym, position) == position
        assert sorted(seen.values()) == list(range(len(seen))) == list(range(index.size))
        strangers = [p + "!" for p in people[:20]] + [p for p in people if p not in seen][:20]
        assert (index.find(strangers) == -1).all()
    assert index.find(list(seen)).tolist() == list(seen.values())
