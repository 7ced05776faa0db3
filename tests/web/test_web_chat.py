"""The web chat over HTTP (aiohttp's test client, a real database on SQLite and PostgreSQL): no cookie and
nothing stored before consent, the questionnaire by form posts and redirects, double submits stored
once, CSRF, security headers, the continuation code, "delete everything" with the cookie."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from bot.usecases.invitations import Invitations
from bot.usecases.turns import Conversations
from bot.usecases.web_inbox import WebInbox
from bot.web import identity
from bot.web.app import RateLimit, WebChat
from dialogs import views
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory
from storage.models import Answer, Participant

KEY = b"w" * 40


@dataclass
class Form:
    action: str
    fields: dict[str, str]
    label: str = ""


@dataclass
class Page:
    """What a person sees on a page: its text, its buttons (forms) and the page's language."""

    status: int
    html: str
    lang: str = ""
    dir: str = ""
    text: str = ""
    forms: list[Form] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, download name)

    def button(self, label: str) -> Form:
        for form in self.forms:
            if label in form.label:
                return form
        raise AssertionError(f"no button {label!r} among {[f.label for f in self.forms]}")


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page
        self.form: Form | None = None
        self.in_button = False
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page.lang, self.page.dir = a.get("lang", ""), a.get("dir", "")
        elif tag == "a":
            self.page.links.append((a.get("href", ""), a.get("download", "")))
        elif tag == "form":
            self.form = Form(a.get("action", ""), {})
            self.page.forms.append(self.form)
        elif tag == "input" and self.form is not None and a.get("name"):
            self.form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.form is not None:
            self.in_button = True
            if a.get("name"):
                self.form.fields[a["name"]] = a.get("value", "")
        elif tag in ("style", "script", "title"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self.in_button = False
        elif tag == "form":
            self.form = None
        elif tag in ("style", "script", "title"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.in_button and self.form is not None:
            self.form.label += data.strip()
        self.page.text += data


async def read(response: ClientResponse) -> Page:
    page = Page(response.status, await response.text())
    _Reader(page).feed(page.html)
    return page


class Browser:
    """A person's browser: follows redirects, keeps cookies, submits forms as they are."""

    def __init__(self, client: TestClient[object, object]) -> None:
        self.client = client

    async def get(self, path: str) -> Page:
        async with self.client.get(path) as response:
            return await read(response)

    async def submit(self, form: Form, **extra: str) -> Page:
        async with self.client.post(form.action, data={**form.fields, **extra}) as response:
            return await read(response)

    @property
    def code(self) -> str | None:
        cookie = self.client.session.cookie_jar.filter_cookies(self.client.make_url("/")).get(identity.COOKIE)
        return cookie.value if cookie is not None else None


@pytest.fixture
async def chat(db: AsyncEngine, real_catalogue: Catalogue) -> AsyncIterator[tuple[Browser, WebChat]]:
    conversations = Conversations(Engine(real_catalogue), session_factory(db), KEY, translator)
    web_chat = web_chat_over(conversations)
    async with TestClient(TestServer(web_chat.app())) as client:
        yield Browser(client), web_chat


def web_chat_over(conversations: Conversations) -> WebChat:
    sessions = conversations.sessions
    invitations = Invitations(sessions, conversations.engine.catalogue, translator)
    inbox = WebInbox(sessions, conversations.key)
    return WebChat(conversations, invitations, inbox, catalogs.shipped_locales(), "de", translator)


async def agree(browser: Browser, page: Page, locale: str = "de") -> Page:
    """ "Ja, einverstanden", then "16 Jahre oder älter": the tap that stores something is the second."""
    t = translator(locale)
    asked = await browser.submit(page.button(t._("Ja, einverstanden")))
    assert browser.code is None and t._("Wie alt sind Sie?") in asked.text
    return await browser.submit(asked.button(t._("16 Jahre oder älter")))


async def count(db: AsyncEngine, model: type[Participant] | type[Answer]) -> int:
    async with session_factory(db)() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_nothing_is_stored_and_no_cookie_set_before_consent(
    chat: tuple[Browser, WebChat], db: AsyncEngine
) -> None:
    browser, _ = chat
    start = await browser.get("/")
    assert start.status == 200 and "العربية" in start.text and "Українська" in start.text
    consent = await browser.get("/?lang=ar")
    assert consent.lang == "ar" and consent.dir == "rtl"
    t = translator("ar")
    assert t._("Ja, einverstanden") in consent.text
    more = await browser.submit(consent.button(t._("Mehr erfahren")))
    assert more.status == 200 and more.lang == "ar"
    declined = await browser.submit(more.button(t._("Nein")))
    assert views.declined(t).text in declined.text
    assert browser.code is None
    assert await count(db, Participant) == 0


async def test_a_field_by_form_posts_with_a_double_submit_stored_once(
    chat: tuple[Browser, WebChat], db: AsyncEngine
) -> None:
    browser, _ = chat
    t = translator("uk")
    consent = await browser.get("/?lang=uk")
    after = await agree(browser, consent, "uk")
    assert browser.code is not None and identity.normalise(browser.code) == browser.code
    assert identity.shown(browser.code) in after.text  # the continuation code, shown after consent
    assert after.lang == "uk" and t._("Danke! Sie können jetzt beginnen.") in after.text
    district = after.button("Pankow")
    await browser.submit(district)
    again = await browser.submit(district)  # the back button and "send again": the same form twice
    assert again.status == 200
    async with session_factory(db)() as session:
        person = Conversations(Engine.__new__(Engine), session_factory(db), KEY, translator).person(
            identity.CHANNEL, browser.code
        )
        answers = await ConversationRepository(session).answers(person)
    assert answers == {("about", "bezirk"): "pankow"}
    reloaded = await browser.get("/")  # a reload shows where the person is, and changes nothing
    assert reloaded.status == 200 and reloaded.forms


async def test_forms_need_their_csrf_token_and_pages_carry_security_headers(
    chat: tuple[Browser, WebChat], db: AsyncEngine
) -> None:
    browser, _ = chat
    consent = await browser.get("/?lang=de")
    adult = (await browser.submit(consent.button("Ja, einverstanden"))).button("16 Jahre oder älter")
    forged = await browser.submit(adult, csrf="0" * 32)
    assert forged.status == 403 and browser.code is None
    async with browser.client.get("/?lang=de") as response:
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
    async with browser.client.post("/press", data=adult.fields, allow_redirects=False) as response:
        assert response.status == 303  # every tap: a POST, then a redirect
        set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Max-Age" in set_cookie


async def test_continue_on_another_device_and_delete_everything(
    chat: tuple[Browser, WebChat], db: AsyncEngine
) -> None:
    browser, web_chat = chat
    consent = await browser.get("/?lang=de")
    await agree(browser, consent)
    code = browser.code
    assert code is not None
    async with TestClient(TestServer(web_chat.app())) as other_client:
        other = Browser(other_client)
        form = (await other.get("/continue")).forms[0]
        wrong = await other.submit(form, code="AAAA-BBBB-CCCC")
        assert "Diesen Code kennen wir nicht" in wrong.text and other.code is None
        typed = identity.shown(code).lower().replace("0", "o")  # as people type it
        resumed = await other.submit(form, code=typed)
        assert other.code == code and "Bezirk" in resumed.text
    page = await browser.get("/")
    confirm = await browser.submit(next(f for f in page.forms if f.fields.get("name") == "delete"))
    gone = await browser.submit(confirm.button("Ja, alles löschen"))
    assert gone.status == 200 and browser.code is None
    assert await count(db, Participant) == 0
    start = await browser.get("/")
    assert "Bitte wählen Sie Ihre Sprache" in start.text


async def test_dari_in_the_browser(chat: tuple[Browser, WebChat], db: AsyncEngine) -> None:
    """A browser in Afghan Persian is offered دری first; the pages are fa-AF and right to left; the
    language travels through forms as the catalog's code (fa_AF), never the page's (fa-AF)."""
    browser, _ = chat
    async with browser.client.get("/", headers={"Accept-Language": "fa-AF,fa;q=0.9,en;q=0.5"}) as response:
        start = await read(response)
    assert start.links[0][0] == "/?lang=fa_AF" and "دری" in start.text and "فارسی" in start.text
    t = translator("fa_AF")
    for spelling in ("fa_AF", "fa-AF"):  # the catalog's code, or the way browsers write it
        consent = await browser.get(f"/?lang={spelling}")
        assert (consent.lang, consent.dir) == ("fa-AF", "rtl") and t._("Ja, einverstanden") in consent.text
    asked = await browser.submit(consent.button(t._("Ja, einverstanden")))
    assert asked.lang == "fa-AF" and t._("Wie alt sind Sie?") in asked.text
    form = (await browser.get("/continue?lang=fa_AF")).forms[0]
    assert form.fields["lang"] == "fa_AF"
    wrong = await browser.submit(form, code="AAAA-BBBB-CCCC")
    assert wrong.lang == "fa-AF" and t._("Diesen Code kennen wir nicht. Bitte prüfen Sie ihn.") in wrong.text
    assert await count(db, Participant) == 0


async def test_typed_answers_and_limits(chat: tuple[Browser, WebChat], db: AsyncEngine) -> None:
    browser, _ = chat
    consent = await browser.get("/?lang=de")
    page = await agree(browser, consent)
    # A typed word where a button is expected gets the engine's hint, and nothing breaks.
    say = next(f for f in page.forms if f.action == "/command")
    page = await browser.submit(say, name="fields")
    assert "Es gibt neun Themen" in page.text
    async with browser.client.post("/say", data={"text": "x" * 20_000}) as response:
        assert response.status in (403, 413)  # no token, and far beyond the size limit
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", page.text) is None  # the code only where due


async def test_every_step_stays_within_thirty_kilobytes(chat: tuple[Browser, WebChat]) -> None:
    """A step on a cheap phone with prepaid data: at most 30 KB over the wire (the stylesheet is cached)."""
    browser, _ = chat
    pages = [await browser.get("/"), await browser.get("/?lang=ar")]
    asked = await browser.submit(pages[-1].button(translator("ar")._("Ja, einverstanden")))
    pages.append(asked)
    page = await browser.submit(asked.button(translator("ar")._("16 Jahre oder älter")))
    pages.append(page)
    menu = await browser.submit(next(f for f in page.forms if f.fields.get("name") == "fields"))
    pages.append(menu)
    pages.append(await browser.submit(menu.forms[0]))  # the first field's first question
    for shown in pages:
        assert shown.status == 200
        assert len(shown.html.encode()) <= 30 * 1024, shown.text[:80]
    async with browser.client.get("/static/app.css") as response:
        assert response.status == 200 and len(await response.read()) < 8 * 1024


async def test_a_poster_link_opens_in_its_language_and_leads_to_its_field(
    chat: tuple[Browser, WebChat],
) -> None:
    """`mitsprache qr --lang ar --field gesundheit` points at /?start=ar-gesundheit: no language page, the
    consent in Arabic (also after "more"), and after "about you" the health questions."""
    browser, _ = chat
    t = translator("ar")
    consent = await browser.get("/?start=ar-gesundheit")
    assert consent.lang == "ar" and consent.dir == "rtl" and t._("Ja, einverstanden") in consent.text
    more = await browser.submit(consent.button(t._("Mehr erfahren")))
    assert more.button(t._("Ja, einverstanden")).fields["arg"] == "gesundheit"
    asked = await browser.submit(more.button(t._("Ja, einverstanden")))
    assert asked.button(t._("16 Jahre oder älter")).fields["arg"] == "gesundheit"
    page = await browser.submit(asked.button(t._("16 Jahre oder älter")))
    for _ in range(20):  # "about you": "Keine Angabe" to every question, then send
        buttons = [
            f for f in page.forms if f.fields.get("action") == "send" or f.fields.get("arg") == "no_answer"
        ]
        assert buttons, page.text[-300:]
        page = await browser.submit(buttons[0])
        if buttons[0].fields["action"] == "send":
            break
    health = t.p_("gesundheit.short_title", "Gesundheit und Pflege")
    first = t._("{title} – Frage {number} von {total}", title=health, number=1, total=10)
    assert first in page.text  # isolates included: the page shows what the engine wrote

    # Scanned again later (the cookie is there): straight to the field, in the person's own language.
    await browser.submit(next(f for f in page.forms if f.fields.get("name") == "fields"))
    again = await browser.get("/?start=uk-gesundheit")
    assert again.lang == "ar" and t.p_("gesundheit.short_title", "Gesundheit und Pflege") in again.text


async def test_an_unreachable_database_gives_a_page_in_the_persons_language(
    real_catalogue: Catalogue, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not a bare 500: the "technical problem" words in the browser's language, a 503 with Retry-After,
    and a log line without the address."""
    gone = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'folder.sqlite3'}")
    conversations = Conversations(Engine(real_catalogue), session_factory(gone), KEY, translator)
    async with TestClient(TestServer(web_chat_over(conversations).app())) as client:
        browser = Browser(client)
        consent = await browser.get("/?lang=uk")  # nothing stored before consent: no database needed
        assert consent.status == 200
        asked = await browser.submit(consent.button(translator("uk")._("Ja, einverstanden")))
        assert asked.status == 200  # the age question: still nothing stored
        async with client.post(
            "/press", data=asked.button(translator("uk")._("16 Jahre oder älter")).fields
        ) as response:
            page = await read(response)
            assert response.status == 503 and response.headers["Retry-After"] == "60"
    assert page.lang == "uk" and views.technical_problem(translator("uk")).text in page.text
    logged = [r for r in caplog.records if r.getMessage() == "web request failed"]
    assert logged and "127.0.0.1" not in str(vars(logged[0]))
    await gone.dispose()


def test_the_rate_limit_holds_and_forgets_a_browser_once_its_bucket_is_full_again() -> None:
    now = [0.0]
    limit = RateLimit(rate=5, burst=30, clock=lambda: now[0])
    assert [limit.allow("a:127.0.0.1") for _ in range(31)].count(True) == 30  # the burst, then 429
    for n in range(20_000):  # 20,000 browsers in 2 s
        now[0] = (n + 1) / 10_000
        assert limit.allow(f"c:{n}")
    assert [limit.allow("a:127.0.0.1") for _ in range(11)].count(True) == 10  # 2 s gave 10 back
    assert len(limit.buckets) == 20_001
    now[0] += 6.1  # 30 / 5 s: every bucket is full again, the same as a new one
    assert limit.allow("c:new")
    assert len(limit.buckets) == 1
