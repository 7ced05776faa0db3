"""The web chat: the same consultation in any browser, no account, server-rendered, no JavaScript needed.

A shell like the Telegram one: it parses a form into the turn's input, calls the use case, and renders
the replies. Every tap is a POST followed by a redirect (so reloading repeats nothing); each form
carries a one-time key, so a double submit or a back-button resubmit is recognised by the turn and
stores nothing twice. Nothing is stored and no cookie is set before consent: until then the language
travels in the URL.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import catalogs
from bot.buckets import TokenBuckets
from bot.failures import is_outage, where
from bot.settings import Settings
from bot.usecases.invitations import Channel, Invitations
from bot.usecases.turns import Conversations
from bot.usecases.web_inbox import WebInbox
from bot.web import identity
from dialogs import start_link, views
from dialogs.i18n import Translator
from dialogs.languages import match_locale, shipped_code
from dialogs.messages import (
    BEFORE_CONSENT_ACTIONS,
    CONSENT_ACTIONS,
    QUESTIONNAIRE_ACTIONS,
    Attachment,
    Command,
    ConsentGiven,
    Forgotten,
    Input,
    Press,
    Reply,
    Start,
    Text,
)

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
MAX_BODY = 16 * 1024  # a form with the longest free text fits many times over
MAX_TEXT = 4000
_KEY = re.compile(r"[A-Za-z0-9_-]{16,40}")  # a form's one-time key, as new_key() makes them
COMMANDS = ("fields", "pause", "privacy", "mydata", "delete", "help")  # the questionnaire's own
INVITATION_COMMANDS = ("events", "subscribe", "unsubscribe")
INVITATION_ACTIONS = ("rsvp", "sub")
MEDIA_TYPES = {".ics": "text/calendar", ".csv": "text/csv"}
FLASH_KEPT = 300.0  # seconds a POST's replies wait for the page that shows them
COOKIE_MAX_AGE = 365 * 24 * 3600
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SECURITY_HEADERS = {
    # No inline script, nothing from elsewhere: the page, its stylesheet and its one script are ours.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass
class _Flash:
    replies: tuple[Reply, ...]
    seq: int
    locale: str
    stamp: float
    show_code: bool = False


class Flashes:
    """The replies of a POST, kept for the GET it redirects to (in this process; a bounded, short-lived
    store). Behind several replicas without sticky sessions a note can be missed; the page then shows
    where the person is, which is always right."""

    def __init__(self, size: int = 5000, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.clock = size, clock
        self._items: OrderedDict[str, _Flash] = OrderedDict()

    def put(self, replies: tuple[Reply, ...], seq: int, locale: str, show_code: bool = False) -> str:
        token = secrets.token_urlsafe(9)
        self._items[token] = _Flash(replies, seq, locale, self.clock(), show_code)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return token

    def take(self, token: str) -> _Flash | None:
        found = self._items.pop(token, None)
        if found is None or self.clock() - found.stamp > FLASH_KEPT:
            return None
        return found


@dataclass
class RateLimit:
    """Requests per second per browser and per address, in this process (see docs/operating.md). A key's
    bucket is dropped once it is full again (bot/buckets.py), so the table stays small."""

    rate: float = 5.0
    burst: int = 30
    clock: Callable[[], float] = time.monotonic
    buckets: TokenBuckets[str] = field(init=False)

    def __post_init__(self) -> None:
        self.buckets = TokenBuckets(self.rate, self.burst, self.clock)

    def allow(self, *keys: str) -> bool:
        allowed = True
        for key in keys:  # a token from every key that has one, as each limit counts on its own
            if not self.buckets.take(key):
                allowed = False
        return allowed


class WebAccessLogger(AbstractAccessLogger):
    """One line per request: method, path without the query, status. No address, no cookie."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s", request.method, request.path, response.status, extra={"seconds": round(time, 3)}
        )


class WebChat:
    def __init__(
        self,
        conversations: Conversations,
        invitations: Invitations,
        inbox: WebInbox,
        locales: Collection[str],
        default_locale: str,
        translators: Callable[[str], Translator],
        *,
        secure_cookie: bool = False,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.conversations = conversations
        self.invitations = invitations
        self.inbox = inbox
        self.locales = list(locales)
        self.default_locale = default_locale
        self.translators = translators
        self.key = conversations.key
        self.field_ids = conversations.engine.catalogue.field_ids
        self.secure_cookie = secure_cookie
        self.flashes = Flashes()
        self.rate_limit = rate_limit or RateLimit()
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals["new_key"] = lambda: secrets.token_urlsafe(16)
        self.templates.filters["href"] = attachment_href

    def app(self) -> web.Application:
        """The web chat on its own."""
        app = web.Application(client_max_size=MAX_BODY)
        self.add_to(app)
        return app

    def add_to(self, app: web.Application) -> None:
        """Adds the web chat to an application, e.g. the Telegram webhook's: one process serves both."""
        guarded, safe = self._guarded, self._safe
        app.router.add_get("/", safe(self.home))
        app.router.add_post("/press", safe(guarded(self.press)))
        app.router.add_post("/say", safe(guarded(self.say)))
        app.router.add_post("/command", safe(guarded(self.command)))
        app.router.add_get("/continue", safe(self.continue_form))
        app.router.add_post("/continue", safe(guarded(self.continue_with_code)))
        app.router.add_static("/static", HERE / "static", append_version=False)
        app.on_response_prepare.append(_security_headers)

    # ----- who, and in which language -------------------------------------------------------------------

    def _code(self, request: web.Request) -> str | None:
        raw = request.cookies.get(identity.COOKIE)
        return identity.normalise(raw) if raw else None

    def _person(self, code: str) -> str:
        return self.conversations.person(identity.CHANNEL, code)

    def _channel(self, person: str) -> Channel:
        """Where invitations reach this browser's person: their web inbox."""
        return Channel(identity.CHANNEL, self.inbox.chat_id(person))

    def _url_locale(self, request: web.Request) -> str | None:
        return shipped_code(request.query.get("lang"), self.locales)

    def _form_locale(self, form: dict[str, str]) -> str:
        return shipped_code(form.get("lang"), self.locales) or self.default_locale

    def _suggested(self, request: web.Request) -> str:
        header = request.headers.get("Accept-Language", "")
        first = header.split(",")[0].split(";")[0].strip()
        return match_locale(first or None, self.locales, self.default_locale)

    # ----- pages ----------------------------------------------------------------------------------------

    async def home(self, request: web.Request) -> web.StreamResponse:
        flash = self.flashes.take(request.query.get("f", ""))
        link = start_link.parse(request.query.get("start"), self.locales, self.field_ids)
        code = self._code(request)
        if code is not None:
            person = self._person(code)
            outcome = await self.conversations.view(person)
            if outcome is not None and outcome.state is not None:
                if link is not None:  # a poster scanned again: on to its field, in the person's language
                    return await self._turn(code, Start(link.field), outcome.state.locale, None)
                notices = tuple(await self.inbox.take(person))
                if flash is not None:
                    return self._chat(
                        notices + flash.replies, flash.seq, flash.locale, code, consented=True,
                        show_code=flash.show_code,
                    )  # fmt: skip
                state = outcome.state
                return self._chat(notices + outcome.replies, state.seq, state.locale, code, consented=True)
            code = None  # deleted meanwhile (or on another device): start afresh
        # Before consent the language, and the field a start link asks for, travel in the URL.
        locale = link.locale if link is not None else self._url_locale(request)
        if flash is not None:
            response = self._chat(flash.replies, flash.seq, flash.locale, None, consented=False)
        elif locale is None:
            response = self._languages(self._suggested(request))
        else:
            after, field = request.query.get("after", ""), request.query.get("field", "")[:64]
            linked = link.field if link is not None else None
            inp: Input = Press(0, after, field) if after in BEFORE_CONSENT_ACTIONS else Start(linked)
            outcome = self.conversations.engine.handle(None, inp, self.translators(locale))
            response = self._chat(outcome.replies, 0, locale, None, consented=False)
        if request.cookies.get(identity.COOKIE):
            response.del_cookie(identity.COOKIE, path="/")
        return response

    def _page(self, template: str, locale: str, person_code: str | None, **values: Any) -> web.Response:
        t = self.translators(locale)
        html = self.templates.get_template(template).render(
            lang=locale.replace("_", "-"),  # BCP 47 for the browser (fa-AF)
            locale=locale,  # the catalog's code (fa_AF), for forms
            rtl=catalogs.is_rtl(locale),
            title=t._("Mitsprache"),
            csrf=identity.csrf_token(self.key, person_code),
            home_query="" if person_code else f"?lang={locale}",
            **values,
        )
        response = web.Response(text=html, content_type="text/html", charset="utf-8")
        response.headers["Cache-Control"] = "no-store"
        return response

    def _chat(
        self,
        replies: tuple[Reply, ...],
        seq: int,
        locale: str,
        code: str | None,
        *,
        consented: bool,
        show_code: bool = False,
    ) -> web.Response:
        t = self.translators(locale)
        nav = (  # no "Pause" here: a question offers it itself, and on the web leaving the page pauses
            [
                ("fields", t._("Übersicht")), ("events", t._("Veranstaltungen")),
                ("privacy", t._("Datenschutz")), ("mydata", t._("Meine Daten")),
                ("delete", t._("Alles löschen")), ("help", t._("Hilfe")),
            ]
            if consented
            else []
        )  # fmt: skip
        return self._page(
            "chat.html", locale, code, replies=[self._with_notice(r, t) for r in replies], seq=seq,
            button_lang=locale, nav=nav, nav_label=t._("Befehle"),
            answer_label=t._("Ihre Antwort"), send_label=t._("Senden"), max_text=MAX_TEXT,
            download_label=t._("Herunterladen"),
            code=identity.shown(code) if code and show_code else None,
            code_note=t._("Ihr Fortsetzungs-Code (damit geht es auf einem anderen Gerät weiter):"),
        )  # fmt: skip

    def _with_notice(self, reply: Reply, t: Translator) -> Reply:
        """The web chat's words on its channel: what the browser keeps."""
        if reply.topic != "consent":
            return reply
        notice = t._(
            "Im Browser speichern wir erst nach Ihrer Zustimmung ein Cookie mit Ihrem Fortsetzungs-Code. "
            "Wer diesen Code kennt, kann Ihre Antworten sehen: Geben Sie ihn nicht weiter."
        )
        head, _, last = reply.text.rpartition("\n\n")
        return Reply(f"{head}\n\n{notice}\n\n{last}" if head else f"{notice}\n\n{last}", reply.buttons)

    def _languages(self, suggested: str) -> web.Response:
        t = self.translators(suggested)
        ordered = [suggested, *[code for code in self.locales if code != suggested]]
        return self._page(
            "languages.html", suggested, None,
            heading=t._("Bitte wählen Sie Ihre Sprache."),
            languages=[(code, catalogs.language_name(code)) for code in ordered],
            continue_link=t._("Ich habe einen Fortsetzungs-Code"), nav=[],
        )  # fmt: skip

    # ----- taps -----------------------------------------------------------------------------------------

    async def _form(self, request: web.Request) -> tuple[dict[str, str], str | None]:
        """The form's fields and the browser's code; refuses a form without a valid CSRF token."""
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        code = self._code(request)
        if not identity.csrf_ok(self.key, code, form.get("csrf", "")):
            raise web.HTTPForbidden(text="This form has expired. Please go back and reload the page.")
        return form, code

    async def press(self, request: web.Request) -> web.StreamResponse:
        form, code = await self._form(request)
        action, arg = form.get("action", ""), form.get("arg", "")[:64]
        seq = form.get("seq", "")
        if code is not None and action in INVITATION_ACTIONS:
            return await self._invitation(code, action, arg, _update_key(form))
        if action not in QUESTIONNAIRE_ACTIONS or not (seq.isascii() and seq.isdigit() and len(seq) < 10):
            return self._back(request)
        locale = self._form_locale(form)
        if code is None:
            if (
                action not in CONSENT_ACTIONS
            ):  # before consent nothing is stored: show the answer, nothing else
                field = f"&field={arg}" if arg in self.field_ids else ""
                raise web.HTTPSeeOther(f"/?lang={locale}&after={action}{field}")
            code = identity.new_code()
        return await self._turn(code, Press(int(seq), action, arg), locale, _update_key(form))

    async def say(self, request: web.Request) -> web.StreamResponse:
        form, code = await self._form(request)
        if code is None:
            return self._back(request)
        text = form.get("text", "")[:MAX_TEXT]
        if text.startswith("/") and len(text) > 1:  # typed like in the other channels
            return await self._command(code, text[1:].split()[0].lower(), _update_key(form))
        return await self._turn(code, Text(text), self.default_locale, _update_key(form))

    async def command(self, request: web.Request) -> web.StreamResponse:
        form, code = await self._form(request)
        if code is None:
            return self._back(request)
        return await self._command(code, form.get("name", ""), _update_key(form))

    async def _command(self, code: str, name: str, update: str | None) -> web.Response:
        if name in INVITATION_COMMANDS:
            return await self._invitation(code, name, "", update)
        return await self._turn(code, Command(name), self.default_locale, update)

    async def _turn(self, code: str, inp: Input, locale: str, update: str | None) -> web.Response:
        outcome = await self.conversations.handle(self._person(code), inp, locale, update)
        shown = outcome.state.locale if outcome.state is not None else locale
        show_code = any(isinstance(e, ConsentGiven) for e in outcome.events) or inp in (
            Command("mydata"), Command("privacy"),
        )  # fmt: skip
        seq = outcome.state.seq if outcome.state is not None else 0
        response = _redirect(f"/?f={self.flashes.put(outcome.replies, seq, shown, show_code)}")
        if any(isinstance(event, Forgotten) for event in outcome.events):
            response.del_cookie(identity.COOKIE, path="/")  # "delete everything" includes the cookie
        elif outcome.state is not None:
            self._keep_cookie(response, code)
        return response

    async def _invitation(self, code: str, what: str, arg: str, update: str | None) -> web.Response:
        """Events, the invitation subscription and RSVPs: the invitations use case, as in Telegram."""
        person = self._person(code)
        outcome = await self.conversations.view(person)
        if outcome is None or outcome.state is None:
            raise web.HTTPSeeOther("/")  # only people who agreed to the consultation
        state = outcome.state
        t = self.translators(state.locale)
        if what == "events":
            replies = await self.invitations.upcoming(t)
        elif what == "subscribe":
            replies = [self.invitations.ask(t)]
        elif what == "unsubscribe":
            replies = [await self.invitations.unsubscribe(self._channel(person), t)]
        elif what == "sub":
            replies = await self.invitations.subscribe_step(self._channel(person), state.locale, arg, update)
            if not replies:  # a resubmitted form: the step was taken already
                raise web.HTTPSeeOther("/")
        else:
            replies = await self.invitations.rsvp(self._channel(person), arg, t)
        return _redirect(f"/?f={self.flashes.put(tuple(replies), state.seq, state.locale)}")

    def _keep_cookie(self, response: web.StreamResponse, code: str) -> None:
        response.set_cookie(
            identity.COOKIE, code, max_age=COOKIE_MAX_AGE, path="/", httponly=True, samesite="Lax",
            secure=self.secure_cookie,
        )  # fmt: skip

    def _back(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPSeeOther("/")

    # ----- continuing on another device -----------------------------------------------------------------

    async def continue_form(self, request: web.Request) -> web.StreamResponse:
        return self._continue_page(self._url_locale(request) or self._suggested(request), None)

    def _continue_page(self, locale: str, problem: str | None) -> web.Response:
        t = self.translators(locale)
        return self._page(
            "continue.html", locale, None, heading=t._("Mit einem Fortsetzungs-Code weitermachen"),
            label=t._("Ihr Fortsetzungs-Code"), send_label=t._("Weiter"), problem=problem, nav=[],
        )  # fmt: skip

    async def continue_with_code(self, request: web.Request) -> web.StreamResponse:
        form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        locale = self._form_locale(form)
        if not identity.csrf_ok(self.key, None, form.get("csrf", "")):
            raise web.HTTPForbidden(text="This form has expired. Please go back and reload the page.")
        code = identity.normalise(form.get("code", ""))
        known = code is not None and await self.conversations.locale_of(self._person(code)) is not None
        if code is None or not known:
            t = self.translators(locale)
            return self._continue_page(locale, t._("Diesen Code kennen wir nicht. Bitte prüfen Sie ihn."))
        response = _redirect("/")
        self._keep_cookie(response, code)
        return response

    # ----- every request --------------------------------------------------------------------------------

    async def _locale_of_request(self, request: web.Request) -> str:
        """For a page that cannot ask the database: the URL's or the form's language, else the browser's."""
        wanted = request.query.get("lang", "")
        if request.method == "POST":
            with contextlib.suppress(Exception):  # the form was read already (aiohttp keeps it)
                form_lang = (await request.post()).get("lang", "")
                wanted = form_lang if isinstance(form_lang, str) and form_lang else wanted
        return shipped_code(wanted, self.locales) or self._suggested(request)

    def _safe(self, handler: Handler) -> Handler:
        """A failure becomes a page in the person's language, never a bare 500 or a traceback; the log
        gets the exception's type and place, without the request's address."""

        async def safe(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except web.HTTPException:
                raise
            except Exception as exc:
                outage = is_outage(exc)
                log.error("web request failed", extra={"error": type(exc).__name__, "where": where(exc)})
                t = self.translators(await self._locale_of_request(request))
                reply = views.technical_problem(t) if outage else views.something_went_wrong(t)
                response = self._chat((reply,), 0, t.locale, None, consented=False)
                response.set_status(503 if outage else 500)
                if outage:
                    response.headers["Retry-After"] = "60"
                return response

        return safe

    def _guarded(self, handler: Handler) -> Handler:
        """A body-size limit and a rate limit per browser and per address, for the web chat's forms only
        (not for a Telegram webhook served by the same application)."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            if request.content_length is None or request.content_length > MAX_BODY:
                raise web.HTTPRequestEntityTooLarge(
                    max_size=MAX_BODY, actual_size=request.content_length or 0
                )
            # Per browser once it has a cookie; per address before (consent, continuation codes). Behind
            # a reverse proxy every address is the proxy's: see docs/operating.md.
            code = request.cookies.get(identity.COOKIE)
            key = f"c:{code[:16]}" if code else f"a:{request.remote or '?'}"
            if not self.rate_limit.allow(key):
                return web.Response(
                    status=429, text="Too many requests: please wait a moment.", headers={"Retry-After": "5"}
                )
            return await handler(request)

        return guarded


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def _update_key(form: dict[str, str]) -> str | None:
    """The form's one-time key as the turn's update key: a resubmitted form is recognised."""
    key = form.get("key", "")
    return f"web:{key}" if _KEY.fullmatch(key) else None


def attachment_href(attachment: Attachment) -> str:
    """A file as a data: link, downloaded by the browser: no second request, no file kept on the server
    (an .ics is about a kilobyte)."""
    kind = MEDIA_TYPES.get(Path(attachment.filename).suffix, "application/octet-stream")
    return f"data:{kind};base64,{base64.b64encode(attachment.content).decode('ascii')}"


def _redirect(location: str) -> web.Response:
    """303 See Other: the browser GETs the page, and a reload does not post the form again."""
    return web.Response(status=303, headers={"Location": location})


def build_web_chat(
    conversations: Conversations,
    locales: Collection[str],
    settings: Settings,
    poke: Callable[[], None] = lambda: None,
) -> WebChat:
    """The web chat over the same use cases as the other shells; `poke` wakes the process's sender."""
    sessions, translators = conversations.sessions, conversations.translators
    return WebChat(
        conversations,
        Invitations(sessions, conversations.engine.catalogue, translators, poke),
        WebInbox(sessions, conversations.key),
        locales,
        settings.default_locale,
        translators,
        secure_cookie=settings.web_url.startswith("https://"),
    )
