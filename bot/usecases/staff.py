"""What event staff do: the guided dialogs (/event_new, changing an event, /broadcast), the event list
with its actions, and the broadcasts' status. Messenger-free; each step is one transaction: the dialog's
state, the event or broadcast it creates, and the notices it queues commit together.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.compose import about_event, free_message
from bot.usecases import broadcasts
from bot.usecases import events as event_admin
from bot.usecases.broadcasts import BroadcastRequest, BroadcastStatus, Refused
from dialogs import broadcast_form, event_form
from dialogs.definitions import Catalogue
from dialogs.events import EventView
from dialogs.forms import FormInput
from dialogs.i18n import Translator
from dialogs.languages import display_name
from dialogs.messages import Button, Reply
from storage import events, outbox, processed, staff_forms
from storage.models import MAX_ID, Broadcast

log = logging.getLogger(__name__)
LISTED_EVENTS = 10
LISTED_BROADCASTS = 5
MAX_MESSAGE = 4096  # previews are packed into messages of at most this many characters


@dataclass
class FormReplies:
    """A dialog's answer. `seq` is the dialog's step counter its buttons are drawn for; `same_step`: the
    pressed message may be redrawn in place (a toggle that kept its step)."""

    replies: list[Reply] = field(default_factory=list)
    seq: int = 0
    same_step: bool = False
    queued: bool = False  # something was queued for the sender (a broadcast, notices)


class StaffDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalogue: Catalogue,
        locales: Sequence[str],
        translators: Callable[[str], Translator],
        poke: Callable[[], None] = lambda: None,
    ) -> None:
        """`poke` wakes the sender when a step queued something."""
        self.translators = translators
        self.sessions = sessions
        self.catalogue = catalogue
        self.locales = list(locales)
        self.poke = poke

    # ----- contexts the pure forms choose from ----------------------------------------------------------

    def _fields(self, t: Translator) -> list[tuple[str, str]]:
        return [(q.id, t.p_(f"{q.id}.short_title", q.short_title)) for q in self.catalogue.fields]

    def _languages(self, t: Translator) -> list[tuple[str, str]]:
        return [(code, display_name(code, t.locale)) for code in self.locales]

    def _event_context(self, t: Translator) -> event_form.FormContext:
        return event_form.FormContext(self._fields(t), self._languages(t), datetime.now(UTC))

    async def _broadcast_context(
        self, session: AsyncSession, t: Translator
    ) -> broadcast_form.BroadcastContext:
        upcoming = await events.upcoming(session, datetime.now(UTC))
        labels = [
            (e.id, f"{t.isolate(e.title['de'][:40])} – {t.date(e.starts_at, 'short')}") for e in upcoming
        ]
        return broadcast_form.BroadcastContext(labels, self._fields(t), self._languages(t))

    # ----- opening a dialog -----------------------------------------------------------------------------

    async def open_event_form(self, person: str, t: Translator, event_id: int | None = None) -> FormReplies:
        """/event_new, or "change" on a listed event."""
        async with self.sessions() as session, session.begin():
            existing = None
            if event_id is not None:
                current = await events.definition(session, event_id) if 0 < event_id <= MAX_ID else None
                if current is None:
                    return FormReplies([Reply(t._("Diese Veranstaltung gibt es nicht mehr."))])
                existing = (event_id, current)
            outcome = event_form.start(t, self._event_context(t), existing)
            assert outcome.form is not None
            await _keep(session, person, "event", outcome.form)
        return FormReplies(outcome.prompts, outcome.form.seq)

    async def open_broadcast_form(self, person: str, t: Translator) -> FormReplies:
        async with self.sessions() as session, session.begin():
            outcome = broadcast_form.start(t, await self._broadcast_context(session, t))
            assert outcome.form is not None
            await _keep(session, person, "broadcast", outcome.form)
        return FormReplies(outcome.prompts, outcome.form.seq)

    # ----- one step -------------------------------------------------------------------------------------

    async def step(
        self,
        person: str,
        answer: FormInput,
        t: Translator,
        chat_id: int,
        *,
        seq: int | None = None,
        update: str | None = None,
    ) -> FormReplies | None:
        """Typed text or a pressed button (`seq`: the step the button was drawn for). None when no dialog
        is open, so typed text belongs to the person's own questionnaire; a stale button answers so."""
        async with self.sessions() as session, session.begin():
            if update is not None and await processed.seen(session, update):
                return FormReplies()  # applied before (a redelivery): it was answered then
            found = await staff_forms.load(session, person)
            if found is None:
                return None if seq is None else FormReplies([_stale(t)])
            kind, state = found
            if seq is not None and state.get("seq") != seq:
                return FormReplies([_stale(t)])
            if update is not None:
                await processed.record(session, update)
            if kind == "event":
                result = await self._event_step(session, person, state, answer, t, chat_id)
            else:
                result = await self._broadcast_step(session, person, state, answer, t, chat_id)
        if result.queued:
            self.poke()
        return result

    async def _event_step(
        self,
        session: AsyncSession,
        person: str,
        state: dict[str, Any],
        answer: FormInput,
        t: Translator,
        chat_id: int,
    ) -> FormReplies:
        form = event_form.EventForm.model_validate(state)
        outcome = event_form.handle(form, answer, t, self._event_context(t))
        await _keep(session, person, "event", outcome.form)
        result = _after(form.step, outcome.form, outcome.prompts)
        if outcome.saved is None:
            return result
        if outcome.editing is None:
            event_id = await events.add_event(session, outcome.saved)
            log.info("event created", extra={"event": event_id, "status": outcome.saved.status})
            result.replies.append(
                Reply(
                    t._("Veröffentlicht: Veranstaltung {id}. Mit /broadcast laden Sie ein.", id=event_id)
                    if outcome.saved.status == "published"
                    else t._(
                        "Als Entwurf gespeichert: Veranstaltung {id}. Veröffentlichen mit /event_list.",
                        id=event_id,
                    )
                )
            )
            return result
        notice = await event_admin.change_in(session, outcome.editing, outcome.saved, started_by=chat_id)
        result.replies.append(_notice_reply(notice, t, cancelled=False))
        result.queued = notice is not None and bool(notice.broadcast_id or notice.promotion_id)
        return result

    async def _broadcast_step(
        self,
        session: AsyncSession,
        person: str,
        state: dict[str, Any],
        answer: FormInput,
        t: Translator,
        chat_id: int,
    ) -> FormReplies:
        form = broadcast_form.BroadcastForm.model_validate(state)
        outcome = broadcast_form.handle(form, answer, t, await self._broadcast_context(session, t))
        await _keep(session, person, "broadcast", outcome.form)
        result = _after(form.step, outcome.form, outcome.prompts)
        if outcome.preview and outcome.form is not None:
            previews, total = await self._previews(session, outcome.form, t)
            result.replies += [*previews, broadcast_form.confirm_prompt(total, t)]
        if outcome.send is not None:
            sent = outcome.send
            assert sent.kind is not None
            request = BroadcastRequest(
                sent.kind, sent.audience(), sent.event_id, sent.text, started_by=chat_id, again=True
            )
            queued = await broadcasts.create_in(session, request)
            if isinstance(queued, Refused):
                result.replies.append(Reply(t._("Diese Veranstaltung ist nicht mehr veröffentlicht.")))
                return result
            log.info("broadcast queued", extra={"broadcast": queued.broadcast_id, "count": queued.recipients})
            result.replies.append(
                Reply(
                    t._(
                        "Rundsendung {number} ist eingeplant. Den Fortschritt sehen Sie hier "
                        "und mit /broadcast_status.",
                        number=queued.broadcast_id,
                    )
                )
            )
            result.queued = True
        return result

    async def _previews(
        self, session: AsyncSession, form: broadcast_form.BroadcastForm, t: Translator
    ) -> tuple[list[Reply], int]:
        """One preview per language among the recipients, exactly as it will be sent, packed into as
        few messages as fit (a chat takes only about one message a second); and the total."""
        assert form.kind is not None
        found = await outbox.recipients(session, form.kind, form.event_id, form.audience())
        per_locale = Counter(locale for _, locale in found)
        event = await events.view(session, form.event_id) if form.event_id else None
        draft = Broadcast(kind=form.kind, event_id=form.event_id, text=form.text)
        names = dict(self._languages(t))
        blocks = []
        for locale, number in per_locale.most_common():
            if form.kind == "message":
                text = free_message(draft, self.translators(locale)).text
            else:
                assert event is not None
                text = about_event("invitation", event, self.translators(locale)).text
            header = t.n_(
                "Vorschau {language}: {n} Person", "Vorschau {language}: {n} Personen",
                number, language=names.get(locale, locale),
            )  # fmt: skip
            blocks += [t.mark(f"— {header} —"), text]
        return [Reply(message) for message in pack(blocks, "\n\n")], sum(per_locale.values())

    # ----- the event list and its buttons ---------------------------------------------------------------

    async def list_events(self, t: Translator) -> list[Reply]:
        async with self.sessions() as session:
            listed = await events.all_with_counts(session)
        if not listed:
            return [Reply(t._("Noch keine Veranstaltungen. Legen Sie eine mit /event_new an."))]
        replies = [
            Reply(event_line(event, counts, t), (event_buttons(event.id, event.status, t),))
            for event, counts in listed[:LISTED_EVENTS]
        ]
        if len(listed) > LISTED_EVENTS:
            replies.append(
                Reply(t._("Das sind die {n} neuesten. Alle zeigt `mitsprache event list`.", n=LISTED_EVENTS))
            )
        return replies

    async def event_action(self, person: str, arg: str, t: Translator, chat_id: int) -> FormReplies:
        """A button under a listed event: "<id>:edit|publish|cancel|cancel_yes"."""
        number, _, action = arg.partition(":")
        event_id = int(number) if number.isascii() and number.isdigit() and len(number) <= 10 else 0
        if not 0 < event_id <= MAX_ID:
            return FormReplies([_stale(t)])
        if action == "edit":
            return await self.open_event_form(person, t, event_id)
        if action == "cancel":
            button = Button(t._("Ja, absagen"), "ev", f"{event_id}:cancel_yes")
            question = t._("Wirklich absagen? Alle, die geantwortet haben, bekommen eine Nachricht.")
            return FormReplies([Reply(question, ((button,),))])
        if action not in ("publish", "cancel_yes"):
            return FormReplies([_stale(t)])
        async with self.sessions() as session, session.begin():
            if action == "publish":
                done = await event_admin.publish_in(session, event_id)
                published = t._("Veröffentlicht. Mit /broadcast laden Sie ein.")
                return FormReplies([Reply(published if done else t._("Das ist kein Entwurf mehr."))])
            notice = await event_admin.cancel_in(session, event_id, started_by=chat_id)
        if notice is None:
            return FormReplies([Reply(t._("Diese Veranstaltung ist schon abgesagt."))])
        if notice.broadcast_id is not None:
            self.poke()
        return FormReplies([_notice_reply(notice, t, cancelled=True)], queued=notice.broadcast_id is not None)

    async def broadcast_status(self, wanted: str, t: Translator) -> list[Reply]:
        """/broadcast_status [ID]."""
        wanted = wanted.strip()
        if wanted and not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 10):
            return [Reply(t._("Diese Rundsendung gibt es nicht."))]
        chosen = await broadcasts.status(self.sessions, int(wanted) if wanted else None, LISTED_BROADCASTS)
        if not chosen:
            return [
                Reply(
                    t._("Diese Rundsendung gibt es nicht.")
                    if wanted
                    else t._("Noch keine Rundsendungen. Starten Sie eine mit /broadcast.")
                )
            ]
        return [Reply(message) for message in pack([broadcast_line(b, t) for b in chosen], "\n\n")]


async def _keep(session: AsyncSession, person: str, kind: str, form: BaseModel | None) -> None:
    """Store the dialog's new state (None: it is over)."""
    if form is None:
        await staff_forms.clear(session, person)
    else:
        await staff_forms.save(session, person, kind, form.model_dump(mode="json"))


def _after(step_before: str, form: Any, prompts: list[Reply]) -> FormReplies:
    """A dialog step's replies; the pressed message may be redrawn when the step stayed the same."""
    return FormReplies(list(prompts), form.seq if form else 0, form is not None and form.step == step_before)


def _stale(t: Translator) -> Reply:
    return Reply(t._("Diese Schaltfläche ist nicht mehr aktuell."))


def _notice_reply(notice: event_admin.Notice | None, t: Translator, cancelled: bool) -> Reply:
    if notice is None:
        return Reply(t._("Diese Veranstaltung gibt es nicht mehr."))
    done = t._("Abgesagt.") if cancelled else t._("Gespeichert.")
    if notice.broadcast_id is not None:
        told = t.n_(
            "{n} Person, die geantwortet hat, wird benachrichtigt (Rundsendung {number}).",
            "{n} Personen, die geantwortet haben, werden benachrichtigt (Rundsendung {number}).",
            notice.recipients, number=notice.broadcast_id,
        )  # fmt: skip
        done = f"{done} {told}"
    return Reply(done)


def pack(blocks: list[str], separator: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks into as few messages of at most `limit` characters as possible, in order."""
    messages: list[str] = []
    for block in blocks:
        if messages and len(messages[-1]) + len(separator) + len(block) <= limit:
            messages[-1] += separator + block
        else:
            messages.append(block[:limit])
    return messages


def event_line(event: EventView, counts: Counter[str], t: Translator) -> str:
    status = {"draft": t._("Entwurf"), "published": t._("veröffentlicht"), "cancelled": t._("abgesagt")}
    seats = t._(" von {capacity} Plätzen", capacity=event.capacity) if event.capacity else ""
    return t._(
        "{id}. {title}\n{when} · {status}\nZusagen: {yes}{seats} · Warteliste: {waitlist} · "
        "Vielleicht: {maybe} · Absagen: {no}",
        id=event.id, title=event.title.get("de", ""), when=t.datetime(event.starts_at),
        status=status.get(event.status, event.status), yes=counts["yes"], seats=seats,
        waitlist=counts["waitlist"], maybe=counts["maybe"], no=counts["no"],
    )  # fmt: skip


def event_buttons(event_id: int, status: str, t: Translator) -> tuple[Button, ...]:
    row = [Button(t._("Ändern"), "ev", f"{event_id}:edit")]
    if status == "draft":
        row.append(Button(t._("Veröffentlichen"), "ev", f"{event_id}:publish"))
    if status != "cancelled":
        row.append(Button(t._("Absagen"), "ev", f"{event_id}:cancel"))
    return tuple(row)


def broadcast_line(broadcast: BroadcastStatus, t: Translator) -> str:
    kinds = {
        "invitation": t._("Einladung"), "message": t._("Nachricht"), "change": t._("Änderung"),
        "cancel": t._("Absage"), "reminder": t._("Erinnerung"),
    }  # fmt: skip
    states = {"pending": t._("wartet"), "sending": t._("läuft"), "done": t._("abgeschlossen")}
    counts = broadcast.counts
    return t._(
        "Rundsendung {number} ({kind}, {state}): {done} von {total} erledigt. Zugestellt: {sent}, "
        "blockiert: {blocked}, ungültig: {invalid}, fehlgeschlagen: {failed}.",
        number=broadcast.id, kind=kinds.get(broadcast.kind, broadcast.kind),
        state=states.get(broadcast.status, broadcast.status), done=broadcast.done, total=broadcast.total,
        sent=counts.get("sent", 0), blocked=counts.get("blocked", 0), invalid=counts.get("invalid", 0),
        failed=counts.get("failed", 0),
    )  # fmt: skip
