"""Events in the web chat: the list, the invitation subscription, an RSVP with its .ics download, the
waitlist, and a freed seat that reaches the browser through the one outbox (the web inbox)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.compose import composer
from bot.delivery.sender import Sender
from bot.locales import translator
from bot.usecases import events as event_usecases
from bot.usecases.turns import Conversations
from bot.usecases.web_inbox import WebInbox
from bot.web.app import WebChat
from bot.web.transport import WebInboxTransport
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from dialogs.events import EventDefinition
from storage import events
from storage.db import session_factory
from storage.models import Subscriber, WebNotice
from tests.web.test_web_chat import KEY, Browser, Page, web_chat_over

UK = translator("uk")


@pytest.fixture
async def web_chat(db: AsyncEngine, real_catalogue: Catalogue) -> WebChat:
    return web_chat_over(Conversations(Engine(real_catalogue), session_factory(db), KEY, translator))


@pytest.fixture
async def browsers(web_chat: WebChat) -> AsyncIterator[list[Browser]]:
    async with TestClient(TestServer(web_chat.app())) as one, TestClient(TestServer(web_chat.app())) as two:
        yield [Browser(one), Browser(two)]


async def an_event(db: AsyncEngine, capacity: int | None = None) -> int:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=4)
    data: dict[str, object] = {
        "title": {"de": "Dialog in Spandau", "uk": "Діалог у Шпандау"},
        "starts_at": start, "ends_at": start + timedelta(hours=2), "place": "Paul-Schneider-Haus",
        "district": "spandau", "fields": ["partizipation"], "status": "published", "capacity": capacity,
    }  # fmt: skip
    async with session_factory(db)() as session, session.begin():
        return await events.add_event(session, EventDefinition.model_validate(data))


async def consented(browser: Browser) -> Page:
    consent = await browser.get("/?lang=uk")
    asked = await browser.submit(consent.button(UK._("Ja, einverstanden")))
    return await browser.submit(asked.button(UK._("16 Jahre oder älter")))


async def subscribe_and_answer(browser: Browser, page: Page, answer: str) -> Page:
    """Veranstaltungen -> RSVP -> (not subscribed yet) subscribe -> RSVP again."""
    listed = await browser.submit(next(f for f in page.forms if f.fields.get("name") == "events"))
    assert "Діалог у Шпандау" in listed.text
    rsvp = listed.button(answer)
    refused = await browser.submit(rsvp)
    join = refused.button(UK._("Ja, Einladungen bekommen"))
    districts = await browser.submit(join)
    fields = await browser.submit(districts.button(UK._("Weiter")))
    done = await browser.submit(fields.button(UK._("Weiter")))
    done_text = "Fertig. Sie bekommen Einladungen in Ihrer Sprache. Mit /events sehen Sie, was geplant ist."
    assert UK._(done_text) in done.text
    return await browser.submit(rsvp)


async def test_an_rsvp_in_the_browser_downloads_the_calendar_entry(
    browsers: list[Browser], db: AsyncEngine
) -> None:
    event_id = await an_event(db)
    browser = browsers[0]
    answered = await subscribe_and_answer(browser, await consented(browser), UK._("Ich komme"))
    assert UK._("Danke! Sie sind angemeldet. Wir erinnern Sie einen Tag vorher.") in answered.text
    href, name = next(link for link in answered.links if link[1])
    assert name == f"mitsprache-{event_id}.ics" and href.startswith("data:text/calendar;base64,")
    calendar = base64.b64decode(href.partition(",")[2]).decode()
    assert "BEGIN:VCALENDAR" in calendar and "Paul-Schneider-Haus" in calendar
    async with session_factory(db)() as session:
        channel = await session.scalar(select(Subscriber.channel))
    assert channel == "web"


async def test_a_freed_seat_reaches_the_waiting_browser_on_its_next_page(
    browsers: list[Browser], db: AsyncEngine, web_chat: WebChat
) -> None:
    event_id = await an_event(db, capacity=1)
    first, second = browsers
    yes = UK._("Ich komme")
    assert (
        UK._("Danke! Sie sind angemeldet. Wir erinnern Sie einen Tag vorher.")
        in (await subscribe_and_answer(first, await consented(first), yes)).text
    )
    waiting = await subscribe_and_answer(second, await consented(second), yes)
    full = (
        "Die Veranstaltung ist voll. Sie stehen auf der Warteliste. Wird ein Platz frei, sagen wir Bescheid."
    )
    assert UK._(full) in waiting.text
    listed = await first.submit(
        next(f for f in (await first.get("/")).forms if f.fields.get("name") == "events")
    )
    await first.submit(next(f for f in listed.forms if f.fields.get("arg") == f"{event_id}:no"))

    # The promotion was queued in the RSVP's transaction; the one paced sender delivers it.
    sessions = session_factory(db)
    inbox = WebInboxTransport(WebInbox(sessions, KEY))
    sender = Sender({"web": inbox}, sessions, composer(sessions, translator), rate=1000)
    await sender.run_pending()
    page = await second.get("/")
    promoted = UK._("Ein Platz ist frei geworden: Sie sind jetzt angemeldet!")
    assert promoted in page.text
    assert promoted not in (await second.get("/")).text  # shown once

    # "Delete everything" takes the person's inbox with it: the cancellation waits for both people
    # (both answered), and after the second one deletes everything only the first one's is left.
    await event_usecases.cancel(sessions, event_id)
    await sender.run_pending()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WebNotice)) == 2
    confirm = await second.submit(next(f for f in page.forms if f.fields.get("name") == "delete"))
    await second.submit(confirm.button(UK._("Ja, alles löschen")))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WebNotice)) == 1
