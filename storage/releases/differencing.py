"""Two releases side by side: a new release of a field is refused while it differs from an earlier one
by 1 to k-1 people (docs/privacy.md, "Zwei Freigaben nebeneinander (Differencing)").

Someone who holds two releases can subtract their numbers. If only one person joined, left or changed
between them, the difference is that person's answers. So, compared with every earlier release of the
field, the people whose part differs must be none (the same data gives the same tables) or at least k.

No identity is kept for this. Every release leaves a row in `releases` (ReleaseRecord). Who joined or
changed since is read from the times the data carries: Answer.answered_at (set on every change),
FieldCompletion.completed_at (the first sending) and Participant.locale_changed_at. Who left is a
counter on each release, raised inside the deletion of everyone who was in it (`count_departure`).

A release shows the answers people sent; a partial release also shows, as counts of their own, the
answers of people who have not sent the field ("nur angefangen"). The two are separate tables, so each
is compared on its own: the sent answers always, the "nur angefangen" ones when both releases have them.

How a release is made, so that nobody who deletes meanwhile is missed:
  1. `refusal(...)`: stop if it returns a Refusal.
  2. `record(...)` in a short transaction of its own, committed, with `now` taken before step 3
     (`respondents` may be 0 here and set by `set_respondents` once known).
  3. Read the data and build the release.
A deletion either commits before step 2 (so its person is not in the data read in step 3) or counts
towards the new record (storage/dialect.lock_releases orders the two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import ABOUT_ID
from dialogs.i18n import BERLIN
from storage.dialect import lock_releases
from storage.models import Answer, FieldCompletion, Participant, ReleaseRecord

# A change stamped shortly before a release may have been committed only after the release read the
# data (a turn's times are taken inside its transaction, which can wait for locks for a few seconds;
# replicas' clocks differ a little). Such a change counts as made after the release.
SETTLE = timedelta(minutes=1)

# How many pseudonyms one IN (...) list carries: SQLite limits bound parameters.
_CHUNK = 500


@dataclass(frozen=True)
class _Person:
    """What a person's rows in one field tell about when they changed; read per comparison, never kept."""

    first_answer: datetime  # the earliest answer they still hold in the field
    sent: datetime | None  # when they first sent the field
    last_change: datetime  # the latest of: an answer in the field or about themselves, sending "about
    # you", a language switch (sending this field is `sent`)


@dataclass(frozen=True)
class Difference:
    """How many people's part differs between an earlier release and the data now."""

    submitted: int  # among the sent answers: joined, left or changed
    unsubmitted: int | None  # among the "nur angefangen" answers; None: not compared (one of the
    # two releases has none)
    people: int  # distinct people in either


@dataclass(frozen=True)
class Refusal:
    """A release that would differ from an earlier one by 1 to `needed` - 1 people."""

    release_made_at: datetime  # the earlier release it is too close to
    changes: int  # people whose part differs from that release
    needed: int  # k
    latest_made_at: datetime  # the newest release of the field: it stays valid
    unsubmitted: bool = False  # the changes are among the "nur angefangen" answers

    def message(self) -> str:
        """One line for the command line."""
        people = "person" if self.changes == 1 else "people"
        among = " (among answers not sent yet)" if self.unsubmitted else ""
        return (
            f"Refused: since the release of {_cli(self.release_made_at)}, {self.changes} {people} "
            f"joined, left or changed answers{among}; a new release needs at least {self.needed} (or none). "
            f"The release of {_cli(self.latest_made_at)} stays valid."
        )

    def german(self) -> str:
        """Plain German for staff in Telegram."""
        among = " (bei den nur angefangenen Antworten)" if self.unsubmitted else ""
        since = (
            "seitdem"
            if self.release_made_at == self.latest_made_at
            else f"seit der Freigabe vom {_german(self.release_made_at)}"
        )
        return (
            f"Die letzte Freigabe vom {_german(self.latest_made_at)} bleibt gültig. Eine neue Freigabe "
            f"ist möglich, sobald {since} mindestens {self.needed} Personen dazugekommen oder gegangen "
            f"sind oder Antworten geändert haben (jetzt: {self.changes}){among}."
        )


def _cli(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%Y-%m-%d %H:%M}"


def _german(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%d.%m.%Y, %H:%M} Uhr"


async def _people(session: AsyncSession, field_id: str) -> list[_Person]:
    """Everyone who holds answers in the field now, with the times that tell when they changed."""
    in_field = select(Answer.pseudonym).where(Answer.field == field_id).distinct()
    answered = await session.execute(
        select(Answer.pseudonym, func.min(Answer.answered_at), func.max(Answer.answered_at))
        .where(Answer.field == field_id)
        .group_by(Answer.pseudonym)
    )
    about = await session.execute(
        select(Answer.pseudonym, func.max(Answer.answered_at))
        .where(Answer.field == ABOUT_ID, Answer.pseudonym.in_(in_field))
        .group_by(Answer.pseudonym)
    )
    completions = await session.execute(
        select(FieldCompletion.pseudonym, FieldCompletion.field, FieldCompletion.completed_at).where(
            FieldCompletion.field.in_((field_id, ABOUT_ID)), FieldCompletion.pseudonym.in_(in_field)
        )
    )
    switched = await session.execute(
        select(Participant.pseudonym, Participant.locale_changed_at).where(
            Participant.locale_changed_at.is_not(None), Participant.pseudonym.in_(in_field)
        )
    )
    sent: dict[str, datetime] = {}
    other_changes: dict[str, list[datetime]] = {}
    for pseudonym, at in about.all():
        other_changes.setdefault(pseudonym, []).append(at)
    for pseudonym, field, at in completions.all():
        if field == field_id:
            sent[pseudonym] = at
        else:  # sending "about you"
            other_changes.setdefault(pseudonym, []).append(at)
    for pseudonym, switched_at in switched.all():
        if switched_at is not None:
            other_changes.setdefault(pseudonym, []).append(switched_at)
    return [
        _Person(
            first_answer=first,
            sent=sent.get(pseudonym),
            last_change=max([last, *other_changes.get(pseudonym, [])]),
        )
        for pseudonym, first, last in answered.all()
    ]


def _difference(people: Iterable[_Person], record: ReleaseRecord, partial: bool) -> Difference:
    made, cut = record.made_at, record.made_at - SETTLE
    compare_unsubmitted = record.partial and partial
    submitted = unsubmitted = either = 0
    for person in people:
        # Sent answers: the person sent after the release (joined them) or changed something since.
        in_submitted = person.sent is not None and (person.sent > cut or person.last_change > cut)
        # "Nur angefangen": started after the release or changed since, without sending; or had
        # started by then and sent only after it (left these counts for the sent ones).
        in_unsubmitted = compare_unsubmitted and (
            (person.sent is None and person.last_change > cut)
            or (person.sent is not None and person.sent > cut and person.first_answer <= made)
        )
        submitted += in_submitted
        unsubmitted += in_unsubmitted
        either += in_submitted or in_unsubmitted
    left_submitted = record.departed - record.departed_unsubmitted
    return Difference(
        submitted=submitted + left_submitted,
        unsubmitted=unsubmitted + record.departed_unsubmitted if compare_unsubmitted else None,
        people=either + (record.departed if compare_unsubmitted else left_submitted),
    )


async def _releases(
    session: AsyncSession, field_id: str, until: datetime | None = None
) -> list[ReleaseRecord]:
    stmt = select(ReleaseRecord).where(ReleaseRecord.field == field_id)
    if until is not None:
        stmt = stmt.where(ReleaseRecord.made_at <= until)
    # Fresh from the table: a deletion in this session may have raised the counters by SQL.
    stmt = stmt.order_by(ReleaseRecord.made_at, ReleaseRecord.id).execution_options(populate_existing=True)
    return list((await session.scalars(stmt)).all())


async def difference(
    session: AsyncSession, field_id: str, record: ReleaseRecord, partial: bool = False
) -> Difference:
    """How many people's part differs between `record` and a release of the field made now (`partial`:
    whether the new one shows "nur angefangen" answers too)."""
    return _difference(await _people(session, field_id), record, partial)


async def changes_since(
    session: AsyncSession, field_id: str, record: ReleaseRecord, partial: bool = False
) -> int:
    """How many distinct people differ between the data now and the data at `record.made_at`: people
    here now who sent the field, changed an answer in it or about themselves, or switched language
    since (`SETTLE` before it counts as since), and the people of that release who left.

    The times tell that a person did something, not what: choosing the same answer again, or changing
    an answer and back, counts although their part is the same. A person who left counts if they were
    in that release: they had sent the field by then, or (a partial release) had answered by then."""
    return (await difference(session, field_id, record, partial)).people


async def refusal(
    session: AsyncSession, field_id: str, k: int, now: datetime, *, partial: bool
) -> Refusal | None:
    """None when a release of the field made `now` (`partial`: with "nur angefangen" answers) differs
    from every earlier release by no one or by at least k people; otherwise why not.

    Against every earlier release, not only the last: people who joined after one release and left
    after the next make the second and third look far apart while the first and third differ by one."""
    releases = await _releases(session, field_id, until=now)
    if not releases:
        return None
    people = await _people(session, field_id)
    close: list[tuple[int, ReleaseRecord, bool]] = []
    for release in releases:
        diff = _difference(people, release, partial)
        for changes, unsubmitted in ((diff.submitted, False), (diff.unsubmitted, True)):
            if changes is not None and 0 < changes < k:
                close.append((changes, release, unsubmitted))
    if not close:
        return None
    # The one furthest from k says how long it takes; of equals, the newest.
    changes, release, unsubmitted = min(close, key=lambda c: (c[0], -releases.index(c[1])))
    return Refusal(release.made_at, changes, k, releases[-1].made_at, unsubmitted)


async def record(
    session: AsyncSession,
    field_id: str,
    partial: bool,
    microdata: bool,
    respondents: int,
    now: datetime,
) -> ReleaseRecord:
    """Write down a release of the field made at `now`. Call it before the release's data is read, in a
    short transaction of its own that commits right after (see the module's description): deletions
    wait for this transaction."""
    await lock_releases(session, exclusive=True)
    made = ReleaseRecord(
        field=field_id,
        made_at=now,
        partial=partial,
        microdata=microdata,
        respondents=respondents,
        departed=0,
        departed_unsubmitted=0,
    )
    session.add(made)
    await session.flush()
    return made


async def set_respondents(session: AsyncSession, release_id: int, respondents: int) -> None:
    """How many people the release holds, once it is built."""
    await session.execute(
        update(ReleaseRecord).where(ReleaseRecord.id == release_id).values(respondents=respondents)
    )


async def releases(session: AsyncSession, field_id: str) -> list[ReleaseRecord]:
    """The releases of a field, oldest first."""
    return await _releases(session, field_id)


async def count_departure(session: AsyncSession, pseudonym: str) -> None:
    """Inside the deletion's transaction, before the person's rows go: count them as departed from
    every release they were certainly in. Stores nothing about who."""
    await count_departures(session, [pseudonym])


async def count_departures(session: AsyncSession, pseudonyms: Sequence[str]) -> None:
    """`count_departure` for many people at once (a purge).

    In a release of sent answers, a person was certainly in it if they had sent the field by then
    (FieldCompletion keeps the first time). In a partial release, also if they held an answer in the
    field by then: their earliest answer still held was given by then and has been held since."""
    await lock_releases(session, exclusive=False)
    first: dict[tuple[str, str], datetime] = {}
    sent: dict[tuple[str, str], datetime] = {}
    for start in range(0, len(pseudonyms), _CHUNK):
        chunk = pseudonyms[start : start + _CHUNK]
        rows = await session.execute(
            select(Answer.pseudonym, Answer.field, func.min(Answer.answered_at))
            .where(Answer.pseudonym.in_(chunk))
            .group_by(Answer.pseudonym, Answer.field)
        )
        first.update({(p, f): at for p, f, at in rows.all()})
        rows = await session.execute(
            select(FieldCompletion.pseudonym, FieldCompletion.field, FieldCompletion.completed_at).where(
                FieldCompletion.pseudonym.in_(chunk)
            )
        )
        sent.update({(p, f): at for p, f, at in rows.all()})
    fields = sorted({field for _, field in first})
    if not fields:
        return
    made = await session.execute(
        select(ReleaseRecord.id, ReleaseRecord.field, ReleaseRecord.made_at, ReleaseRecord.partial).where(
            ReleaseRecord.field.in_(fields)
        )
    )
    for release_id, release_field, made_at, partial in made.all():
        departed = unsubmitted = 0
        for (pseudonym, field), earliest in first.items():
            if field != release_field:
                continue
            when_sent = sent.get((pseudonym, field))
            if when_sent is not None and when_sent <= made_at:
                departed += 1
            elif partial and earliest <= made_at:
                departed += 1
                unsubmitted += 1
        if departed:
            await session.execute(
                update(ReleaseRecord)
                .where(ReleaseRecord.id == release_id)
                .values(
                    departed=ReleaseRecord.departed + departed,
                    departed_unsubmitted=ReleaseRecord.departed_unsubmitted + unsubmitted,
                )
                .execution_options(synchronize_session=False)
            )
