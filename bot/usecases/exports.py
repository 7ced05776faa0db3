"""Making a release: refuse it if it could be subtracted from an earlier one, build the protected tables,
write the file, and record the release and the audit entry, in one transaction.

Free texts are not scrubbed here: the release reads the scrubbed form stored when staff listed or
released them (bot/usecases/reviews.py). Only a released text without one for its current version is
scrubbed, once, before the build, and its form stored.

Building the tables (a linear program per question) and writing XLSX are slow and synchronous, so a
release from the messenger runs in a worker thread with an event loop and a database engine of its own,
never on the loop that answers people; its file arrives through the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import random
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.staff import exportable_fields, may_export
from bot.usecases.reviews import scrub_released
from dialogs.definitions import Catalogue
from dialogs.i18n import Translator
from dialogs.messages import Button, Reply
from storage import audit, outbox
from storage.db import create_engine, session_factory
from storage.outbox import Direct
from storage.releases import differencing
from storage.releases.differencing import Refusal
from storage.releases.model import Cell, Release
from storage.releases.thresholds import k_for
from storage.releases.writers import SUFFIXES, WRITERS
from storage.reviews import Scrubbing
from storage.vocabulary import EXPORT_FORMATS as FORMATS

Recipient = Direct  # who gets the file: channel, chat id, language

log = logging.getLogger(__name__)
# The file name a release gets, per format: a CSV release is a ZIP of tables.
SUFFIX = {fmt: suffix.lstrip(".") for suffix, fmt in reversed(SUFFIXES.items())}


class ReleaseRefused(Exception):
    """A new release could be subtracted from an earlier one: too few people changed since."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message())
        self.refusal = refusal


@dataclass(frozen=True)
class ReleaseSummary:
    """What a release holds, in numbers, for the one line the command line prints."""

    field_id: str
    k: int
    respondents: int
    started_only: int | None
    hidden_small: int
    hidden_protect: int
    withheld_questions: int
    released_texts: int
    held_back_texts: int
    microdata_rows: int | None
    removed_rows: int | None

    @staticmethod
    def of(release: Release) -> ReleaseSummary:
        hidden = [cell.hidden for cell in _cells(release)]
        micro = release.microdata
        return ReleaseSummary(
            release.field_id, release.k, release.respondents, release.started_only,
            hidden.count("small"), hidden.count("protect"),
            sum(1 for q in release.questions if q.withheld), len(release.texts), release.held_back_texts,
            len(micro.rows) if micro else None, micro.removed_rows if micro else None,
        )  # fmt: skip


def _cells(release: Release) -> list[Cell]:
    """Every count of the release's tables (to count the hidden ones)."""
    found: list[Cell] = []
    for question in release.questions:
        for counts in (question.submitted, question.unsubmitted):
            if counts is not None:
                found += [*counts.cells, counts.base.asked, counts.base.answered, counts.base.no_answer]
        for breakdown in question.breakdowns:
            found += [cell for row in breakdown.cells for cell in row]
    for distribution in release.who:
        found += [cell for _, cell in distribution.rows]
    return found


async def export_field(
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    field_id: str,
    fmt: str,
    path: Path,
    k: int,
    actor: str,
    *,
    partial: bool = False,
    microdata: bool = False,
    now: datetime | None = None,
    scrubbing: Scrubbing | None = None,
) -> ReleaseSummary:
    """Write a release of one field to `path` (raises ReleaseRefused if it could be subtracted from an
    earlier one, ValueError for an unknown field or format). `scrubbing` is the real scrubber unless
    given (tests count its calls)."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format '{fmt}'; use one of {', '.join(WRITERS)}")
    now = now or datetime.now(UTC)
    k = k_for(field_id, k)
    # The order storage/releases/differencing.py asks for, so that nobody who deletes meanwhile is
    # missed: refuse or record (committed at once), then read and build.
    async with sessions() as session, session.begin():
        refused = await differencing.refusal(session, field_id, k, now, partial=partial)
        if refused is not None:
            raise ReleaseRefused(refused)
        made = await differencing.record(session, field_id, partial, microdata, 0, now)
    if not microdata:  # row-level data carry no free text
        # Usually nothing to do: released texts were scrubbed when they were listed or released. Its
        # own short transactions: the build's transaction reads until the release is built, and a
        # write there would hold SQLite's one writer through the whole build.
        await scrub_released(sessions, catalogue, field_id, scrubbing)
    # Imported here: building the tables needs a linear-program solver (highspy, numpy), some 16 MB that
    # a bot which makes no release should not carry.
    from storage.releases.build import make_release

    async with sessions() as session, session.begin():
        release = await make_release(
            session, catalogue, field_id, k=k, partial=partial, microdata=microdata,
            rng=random.SystemRandom(), today=now.date(),
        )  # fmt: skip
        await asyncio.to_thread(WRITERS[fmt], release, path)
        await differencing.set_respondents(session, made.id, release.respondents)
        await audit.record(session, actor, field_id, fmt, release.respondents)
    return ReleaseSummary.of(release)


def export_in_thread(
    database_url: str, catalogue: Catalogue, field_id: str, fmt: str, path: Path, k: int, actor: str
) -> ReleaseSummary:
    """`export_field` on an event loop and a database engine of its own (call it in a worker thread)."""

    async def run() -> ReleaseSummary:
        engine = create_engine(database_url)
        try:
            return await export_field(session_factory(engine), catalogue, field_id, fmt, path, k, actor)
        finally:
            await engine.dispose()

    return asyncio.run(run())


class Exports:
    """Exports staff ask for in the messenger: made in the background, delivered by the outbox."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        database_url: str,
        catalogue: Catalogue,
        k: int,
        poke: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.database_url = database_url
        self.catalogue = catalogue
        self.k = k
        self.poke = poke
        self._jobs: set[asyncio.Task[None]] = set()
        self._wanted: set[tuple[str, str, Direct]] = set()  # exports under way, per recipient

    def request(
        self,
        roles: Mapping[int, str],
        user_id: int,
        args: str,
        recipient: Direct,
        actor: str,
        t: Translator,
    ) -> Reply | None:
        """A staff member's "FIELD FORMAT": the usage, a refusal, or the question whether the file may go
        through the messenger's servers (`confirm` takes the answer). None for someone without an export
        role, whom the shell answers as if the command did not exist."""
        fields = exportable_fields(roles, user_id, self.catalogue.field_ids)
        if not fields:
            return None
        words = args.split()
        field_id = words[0].lower() if words else ""
        fmt = words[1].lower() if len(words) > 1 else "xlsx"
        if field_id not in self.catalogue.field_ids or fmt not in FORMATS:
            return Reply(
                t._(
                    "So exportieren Sie: /export FELD FORMAT\nFelder: {fields}\nFormate: {formats}",
                    fields=", ".join(fields),
                    formats=", ".join(FORMATS),
                )
            )
        if not may_export(roles, user_id, field_id):
            log.warning("export of another field refused", extra={"field": field_id})
            return Reply(
                t._("Sie dürfen nur diese Handlungsfelder exportieren: {fields}", fields=", ".join(fields))
            )
        # The file would sit in the messenger's cloud: staff decide that knowingly, every time.
        return Reply(
            t._(
                "Die Datei mit allen Antworten zu „{field}“ geht über die Server von Telegram und bleibt "
                "dort gespeichert, bis Sie sie löschen. Auf dem Server der Verwaltung geht das ohne "
                "Telegram: mitsprache export. Jetzt über Telegram senden?",
                field=field_id,
            ),
            (
                (Button(t._("Ja, senden"), "exp", f"{field_id}:{fmt}"),),
                (Button(t._("Abbrechen"), "exp", "no"),),
            ),
        )

    def confirm(
        self,
        roles: Mapping[int, str],
        user_id: int,
        arg: str,
        recipient: Direct,
        actor: str,
        t: Translator,
    ) -> Reply | None:
        """The answer to the question above: the export starts in the background (its file follows
        through the outbox), or nothing happens. The roles are checked again: they may have changed."""
        if not exportable_fields(roles, user_id, self.catalogue.field_ids):
            return None
        field_id, _, fmt = arg.partition(":")
        if arg == "no" or field_id not in self.catalogue.field_ids or fmt not in FORMATS:
            return Reply(t._("Abgebrochen. Es wurde nichts gesendet."))
        if not may_export(roles, user_id, field_id):
            log.warning("export of another field refused", extra={"field": field_id})
            return Reply(t._("Abgebrochen. Es wurde nichts gesendet."))
        wanted = (field_id, fmt, recipient)
        if wanted in self._wanted:  # a double tap on "Ja, senden": one file
            return Reply(t._("Der Export wird erstellt …"))
        self._wanted.add(wanted)
        job = asyncio.create_task(self._run(field_id, fmt, recipient, actor, t))
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        job.add_done_callback(lambda _: self._wanted.discard(wanted))
        return Reply(t._("Der Export wird erstellt …"))

    async def wait(self) -> None:
        """Wait for the exports under way (tests, shutdown)."""
        while self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)

    async def _run(self, field_id: str, fmt: str, recipient: Direct, actor: str, t: Translator) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="mitsprache-export-") as folder:
                path = Path(folder) / f"mitsprache-{field_id}.{SUFFIX[fmt]}"
                summary = await asyncio.to_thread(
                    export_in_thread, self.database_url, self.catalogue, field_id, fmt, path, self.k, actor
                )
                content = path.read_bytes()
            caption = t._(
                "{field}: {rows} Befragte, {held} Freitexte zurückgehalten.",
                field=field_id,
                rows=summary.respondents,
                held=summary.held_back_texts,
            )
            async with self.sessions() as session, session.begin():
                await outbox.queue_personal(
                    session, "export", direct=[recipient], text={recipient.locale: caption},
                    attachment=(path.name, content),
                )  # fmt: skip
            log.info("export queued", extra={"field": field_id, "format": fmt, "rows": summary.respondents})
        except ReleaseRefused as refused:
            why = refused.refusal
            log.info("release refused", extra={"field": field_id, "changes": why.changes})
            text = t._(
                "Kein neuer Export für „{field}“: Seit der Freigabe vom {date} sind erst {changes} "
                "Personen dazugekommen, gegangen oder haben Antworten geändert. Ein neuer Export ist ab "
                "{needed} möglich, damit niemand zwei Dateien vergleichen und so die Antworten einer "
                "einzelnen Person herausrechnen kann. Die Datei vom {latest} bleibt gültig.",
                field=field_id,
                date=t.datetime(why.release_made_at),
                changes=why.changes,
                needed=why.needed,
                latest=t.datetime(why.latest_made_at),
            )
            async with self.sessions() as session, session.begin():
                await outbox.queue_personal(
                    session, "message", direct=[recipient], text={recipient.locale: text}
                )
        except Exception:
            log.exception("export failed")
            sorry = t._("Der Export ist fehlgeschlagen. Bitte versuchen Sie es später noch einmal.")
            async with self.sessions() as session, session.begin():
                await outbox.queue_personal(
                    session, "message", direct=[recipient], text={recipient.locale: sorry}
                )
        self.poke()
