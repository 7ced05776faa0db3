"""A fake Telegram Bot API for tests: one core, two transports.

`FakeTelegram` is the core: it speaks enough of the Bot API for the real bot to run against it, is strict
where Telegram is strict (HTML parse mode, text, caption, callback-data and callback-answer lengths,
unknown chats, blocked users, "message is not modified", flood limits), records everything the bot does,
and simulates people who write, send media and press buttons. Every call goes through `FakeTelegram.request`
(token check, method table, form decoding, the method itself), whichever transport brought it:

- in process (most tests): `fake.session()` is an aiogram session that hands each call straight to the
  core, without HTTP (tests/support/fake_session.py). Updates go to `fake.update_sink`, which the bot
  harness sets to feed them to `Dispatcher.feed_update`::

      fake = FakeTelegram()
      bot = Bot(fake.token, session=fake.session())
      fake.add_user(42, language_code="ar")

- over HTTP (the real polling loop, the webhook, command-line processes): `async with FakeTelegram() as
  fake` serves the same core on 127.0.0.1 (tests/support/fake_http.py); `fake.base_url` is its address::

      async with FakeTelegram() as fake:
          session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
          bot = Bot(fake.token, session=session)
          fake.send_text(42, "/start")
          ...  # run the dispatcher's polling loop in a task
          greeting = await fake.next_message(42)
          fake.press_button(42, "Weiter")

Bot messages are recorded as `BotMessage` objects: `text` is the text exactly as the bot sent it (HTML
included) and `plain_text` what the person sees. Nothing here reaches the network: the server binds to
loopback and webhooks are only delivered to loopback addresses.
"""

# The waiting helpers take a `timeout` argument on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self, TypeVar
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tests.support.fake_http import HttpServer
    from tests.support.fake_session import FakeSession

logger = logging.getLogger(__name__)
# Set by a transport for the call under way: whether its caller has gone (a closed HTTP connection).
caller_gone: ContextVar[Callable[[], bool] | None] = ContextVar("fake_telegram_caller_gone", default=None)

Json = dict[str, Any]
Handler = Callable[[Json], Awaitable[Any]]
T = TypeVar("T")

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_ANSWER_TEXT = 200
MAX_UPLOAD = 50 * 1024 * 1024
POLL_INTERVAL = 0.02
WAIT_TIMEOUT = 60.0  # only reached when what a test waits for never happens (also under load)
ABANDON_CHECK = 0.1  # how often a waiting long poll checks whether its client has gone
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_UPDATE_ID = 100_000

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

# How form fields are decoded: aiogram JSON-encodes nested objects and every non-string scalar.
_JSON_PARAMS = frozenset(
    {
        "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
        "link_preview_options", "reply_parameters", "media", "options", "explanation_entities",
    }
)  # fmt: skip
_INT_PARAMS = frozenset(
    {
        "chat_id", "message_id", "offset", "limit", "timeout", "user_id", "reply_to_message_id",
        "message_thread_id", "max_connections", "cache_time", "from_chat_id",
    }
)  # fmt: skip
_BOOL_PARAMS = frozenset(
    {
        "disable_notification", "protect_content", "allow_sending_without_reply", "show_alert",
        "drop_pending_updates", "disable_web_page_preview", "disable_content_type_detection",
        "allow_paid_broadcast", "has_spoiler", "show_caption_above_media",
    }
)  # fmt: skip
_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
_BUTTON_ACTIONS = (
    "callback_data", "url", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "callback_game", "pay", "web_app", "copy_text",
)  # fmt: skip
_GENERIC_SCOPES = frozenset({"default", "all_private_chats", "all_group_chats", "all_chat_administrators"})
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_USER_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_BOT_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


# ---------------------------------------------------------------------------------------------------------
# Errors and text rules
# ---------------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status `code`, `description` and optional `parameters`."""

    def __init__(self, code: int, description: str, parameters: Json | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> Json:
        body: Json = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the way Telegram counts text length and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParseError(ValueError):
    """Why Telegram would refuse a text in HTML parse mode (the part after "can't parse entities: ")."""


_HTML_TAGS: dict[str, str] = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_PLAIN_RUN = re.compile(r"[^&<]+")
_TAG_NAME_END = re.compile(r"[\s>]")
_ATTRIBUTE_NAME = re.compile(r"[^\s=>]+")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")


def parse_html(source: str) -> tuple[str, list[Json]]:
    """The visible text and the entities Telegram would make of `source` in HTML parse mode.

    Raises `HtmlParseError` for unsupported or badly nested tags and for a '<' or '&' that is neither a
    tag nor one of the entities &lt; &gt; &amp; &quot; &#N; &#xN;.
    """
    return _HtmlParser(source).parse()


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY.match(source, pos)
    if match is None:
        return None
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_ENTITIES[named], match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _unescape_attribute(value: str) -> str:
    """Attribute values are decoded leniently, like Telegram: an unknown '&...' stays as it is."""

    def replace(match: re.Match[str]) -> str:
        decoded = _decode_entity(value, match.start())
        return decoded[0] if decoded else match.group()

    return _HTML_ENTITY.sub(replace, value)


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int


class _HtmlParser:
    """A port of the rules of Telegram's HTML parse mode (tdlib's parse_html), minus its leniencies."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.units = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Json] = []

    def parse(self) -> tuple[str, list[Json]]:
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self._emit(self._entity())
            elif char == "<" and self.src.startswith("</", self.pos):
                self._end_tag()
            elif char == "<":
                self._start_tag()
            else:
                run = _PLAIN_RUN.match(self.src, self.pos)
                assert run is not None
                self._emit(run.group())
                self.pos = run.end()
        if self.stack:
            raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        return "".join(self.out), _merge_pre_code(self.entities)

    def _byte(self, pos: int) -> int:
        return len(self.src[:pos].encode())

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.units += utf16_len(text)

    def _skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def _at_end(self) -> bool:
        return self.pos >= len(self.src)

    def _entity(self) -> str:
        decoded = _decode_entity(self.src, self.pos)
        if decoded is None:
            raise HtmlParseError(
                f'Unsupported HTML entity or unescaped "&" at byte offset {self._byte(self.pos)}'
            )
        char, self.pos = decoded
        return char

    def _start_tag(self) -> None:
        begin = self.pos
        end = _TAG_NAME_END.search(self.src, begin + 1)
        if end is None:
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        name = self.src[begin + 1 : end.start()].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {self._byte(begin)}')
        self.pos = end.start()
        attributes = self._attributes(name, begin)
        self.pos += 1  # the closing ">"
        _check_attributes(name, attributes, self._byte(begin))
        self.stack.append(_OpenTag(name, attributes, self.units))

    def _attributes(self, tag: str, begin: int) -> dict[str, str]:
        attributes: dict[str, str] = {}
        while True:
            self._skip_spaces()
            if self._at_end():
                raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            if self.src[self.pos] == ">":
                return attributes
            match = _ATTRIBUTE_NAME.match(self.src, self.pos)
            if match is None:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._byte(begin)}'
                )
            name = match.group().lower()
            self.pos = match.end()
            self._skip_spaces()
            if not self.src.startswith("=", self.pos):
                if name != "expandable":
                    raise HtmlParseError(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {self._byte(begin)}"
                    )
                attributes[name] = ""
                continue
            self.pos += 1
            self._skip_spaces()
            attributes[name] = self._attribute_value(begin)

    def _attribute_value(self, begin: int) -> str:
        if self._at_end():
            raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
        quote = self.src[self.pos]
        if quote in "\"'":
            close = self.src.find(quote, self.pos + 1)
            if close < 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {self._byte(begin)}")
            value = _unescape_attribute(self.src[self.pos + 1 : close])
            self.pos = close + 1
            return value
        token = _NAME_TOKEN.match(self.src, self.pos)
        assert token is not None
        self.pos = token.end()
        if not self._at_end() and not (self.src[self.pos].isspace() or self.src[self.pos] == ">"):
            raise HtmlParseError(f"Unexpected end of name token at byte offset {self._byte(self.pos)}")
        return token.group().lower()

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self._byte(begin)}")
        end = _TAG_NAME_END.search(self.src, begin + 2)
        name = self.src[begin + 2 : end.start() if end else len(self.src)].lower()
        self.pos = end.start() if end else len(self.src)
        self._skip_spaces()
        if self._at_end() or self.src[self.pos] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {self._byte(begin)}")
        self.pos += 1
        tag = self.stack.pop()
        if name and name != tag.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {self._byte(begin)}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        length = self.units - tag.offset
        if length == 0:
            return
        entity: Json = {"type": _HTML_TAGS[tag.name], "offset": tag.offset, "length": length}
        attributes = tag.attributes
        if tag.name == "a":
            if not attributes.get("href"):
                return
            entity["url"] = attributes["href"]
        elif tag.name == "code" and attributes.get("class", "").startswith("language-"):
            entity["language"] = attributes["class"].removeprefix("language-")
        elif tag.name == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = attributes["emoji-id"]
        self.entities.append(entity)


def _check_attributes(tag: str, attributes: dict[str, str], byte_offset: int) -> None:
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset}')
    if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise HtmlParseError(f"Invalid custom emoji identifier specified at byte offset {byte_offset}")


def _merge_pre_code(entities: list[Json]) -> list[Json]:
    """`<pre><code class="language-x">` is one pre entity with a language, as in Telegram."""
    pres = {(e["offset"], e["length"]): e for e in entities if e["type"] == "pre"}
    merged: list[Json] = []
    for entity in entities:
        if entity["type"] == "code":
            language = entity.pop("language", None)  # standalone code has no language
            pre = pres.get((entity["offset"], entity["length"]))
            if pre is not None:
                if language:
                    pre["language"] = language
                continue
        merged.append(entity)
    return sorted(merged, key=lambda e: (e["offset"], -e["length"]))


# ---------------------------------------------------------------------------------------------------------
# What the fake records
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None = None


@dataclass
class ApiRequest:
    """One Bot API call: the method's canonical name, its decoded parameters and how it was answered."""

    method: str
    params: Json
    time: float
    status: int | None = None
    error: str | None = None
    via_webhook_reply: bool = False


@dataclass(frozen=True)
class SentDocument:
    file_id: str
    file_unique_id: str
    filename: str | None
    data: bytes | None
    mime_type: str | None = None


@dataclass(frozen=True)
class MessageEdit:
    """The new content of a message after one edit."""

    method: str
    text: str | None
    plain_text: str | None
    parse_mode: str | None
    reply_markup: Json | None
    date: int


@dataclass
class BotMessage:
    """A message the bot sent, in its current state (`edits` lists the edits in order)."""

    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    plain_text: str | None = None
    entities: list[Json] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: Json | None = None
    document: SentDocument | None = None
    caption: str | None = None
    plain_caption: str | None = None
    caption_entities: list[Json] = field(default_factory=list)
    edits: list[MessageEdit] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False

    @property
    def buttons(self) -> list[Json]:
        """The inline keyboard's buttons, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def button_texts(self) -> list[str]:
        return [str(button.get("text", "")) for button in self.buttons]

    @property
    def document_name(self) -> str | None:
        return self.document.filename if self.document else None

    @property
    def document_bytes(self) -> bytes | None:
        return self.document.data if self.document else None

    def snapshot(self) -> BotMessage:
        return copy.deepcopy(self)


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str | None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None


class SentRecord(NamedTuple):
    """A successful rate-limited call (sendMessage, sendDocument, editMessageText); time is monotonic."""

    time: float
    method: str
    chat_id: int
    message_id: int


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updated = time.monotonic()

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 if one is available now)."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


# ---------------------------------------------------------------------------------------------------------
# Decoding requests
# ---------------------------------------------------------------------------------------------------------


def _convert(key: str, value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode()
    if not isinstance(value, str):
        return value
    if key in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {key} JSON object") from None
    if key in _INT_PARAMS:
        try:
            return int(value)
        except ValueError:
            return value  # "@channelusername" and the like
    if key in _BOOL_PARAMS:
        lowered = value.lower()
        if lowered in ("true", "1", "false", "0", ""):
            return lowered in ("true", "1")
        raise bad_request(f"invalid {key} specified")
    return value


def normalize(raw: dict[str, Any], files: dict[str, UploadedFile]) -> Json:
    """Decode form values and put uploaded files where their `attach://name` reference is."""
    params = {key: _convert(key, value) for key, value in raw.items()}
    referenced: set[str] = set()
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            params[key] = files[value[9:]]
            referenced.add(value[9:])
    for name, upload in files.items():
        if name not in referenced:
            params.setdefault(name, upload)
    return params


def _update_type(update: Json) -> str:
    return next((key for key in update if key != "update_id"), "")


def allowed(update: Json, allowed_updates: list[str] | None) -> bool:
    kind = _update_type(update)
    if allowed_updates:
        return kind in allowed_updates
    return kind not in _NOT_DEFAULT_UPDATES


def _inline_markup(markup: Json | None) -> Json | None:
    """The part of a reply markup that belongs to the message (only inline keyboards do)."""
    if markup and markup.get("inline_keyboard"):
        return markup
    return None


# ---------------------------------------------------------------------------------------------------------
# The core
# ---------------------------------------------------------------------------------------------------------

UpdateSink = Callable[[Json], None]


class FakeTelegram:
    """The fake Bot API with simulated people; see the module docstring for its two transports."""

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "mitsprache_test_bot",
        *,
        bot_name: str = "Mitsprache Test",
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        global_burst: float | None = None,
        per_chat_burst: float = 3.0,
        max_poll_wait: float = 1.0,
        webhook_timeout: float = 10.0,
    ) -> None:
        self.token = token
        self.bot_user: Json = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.max_poll_wait = max_poll_wait
        self.webhook_timeout = webhook_timeout
        self._global_bucket = (
            TokenBucket(global_rate, global_burst or max(1.0, global_rate)) if global_rate else None
        )
        self._per_chat_rate = per_chat_rate
        self._per_chat_burst = per_chat_burst
        self._chat_buckets: dict[int, TokenBucket] = {}

        # What tests assert on.
        self.requests: list[ApiRequest] = []
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.webhook: WebhookConfig | None = None
        self.webhook_statuses: list[int] = []
        self.sent_log: list[SentRecord] = []
        self.too_many_requests = 0
        self.internal_errors: list[str] = []

        # Simulated world.
        self._users: dict[int, Json] = {}
        self._blocked: set[int] = set()
        self._groups: set[int] = set()
        self.left_groups: list[int] = []  # groups the bot left (leaveChat)
        self._messages: dict[int, list[BotMessage]] = {}
        self._message_index: dict[tuple[int, int], BotMessage] = {}
        self._user_message_ids: set[tuple[int, int]] = set()
        self._last_message_id: dict[int, int] = {}
        self._open_queries: dict[str, int] = {}
        self._query_ids = itertools.count(4_000_000_000)
        self._update_ids = itertools.count(FIRST_UPDATE_ID)
        self._events: dict[int, list[BotMessage]] = {}
        self._cursors: dict[int, int] = {}

        # Update delivery: to an in-process bot (`update_sink`), else to getUpdates or the webhook.
        self.update_sink: UpdateSink | None = None
        self.settler: Callable[[], Awaitable[None]] | None = None
        self._pending: list[Json] = []
        self._handed_out_upto = FIRST_UPDATE_ID - 1
        self._allowed_updates: list[str] | None = None
        self._poller: object | None = None
        self._changed = asyncio.Event()
        self.webhook_queue: asyncio.Queue[Json] = asyncio.Queue()
        self.delivering = False  # the HTTP transport is posting an update to the webhook
        self.last_webhook_error: tuple[int, str] | None = None

        # Transport state.
        self._busy = 0
        self._last_activity = time.monotonic()
        self.stopping = False
        self._http: HttpServer | None = None
        self._methods = self._method_table()

    # ----- transports ---------------------------------------------------------------------------------

    def session(self) -> FakeSession:
        """An aiogram session that hands every call to this fake in-process (no HTTP)."""
        from tests.support.fake_session import FakeSession

        return FakeSession(self)

    async def start(self) -> None:
        """Serve the fake over HTTP on 127.0.0.1 (see `base_url`), with webhook delivery."""
        from tests.support.fake_http import HttpServer

        self.stopping = False
        self._http = HttpServer(self)
        await self._http.start()

    async def stop(self) -> None:
        self.stopping = True
        self.wake()
        if self._http is not None:
            await self._http.stop()
            self._http = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("FakeTelegram is not served over HTTP: use `async with FakeTelegram()`")
        return self._http.base_url

    def open_connections(self) -> int:
        """HTTP connections to the fake still open (a request of a killed client is handled before its
        connection counts as closed)."""
        if self._http is None:
            raise RuntimeError("FakeTelegram is not served over HTTP")
        return self._http.open_connections()

    # ----- assertions -----------------------------------------------------------------------------------

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        """The bot's messages to `chat_id` in the order sent, each in its current (edited) state."""
        return [m for m in self._messages.get(chat_id, []) if include_deleted or not m.deleted]

    def last_message(self, chat_id: int) -> BotMessage | None:
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def calls(self, method: str) -> list[ApiRequest]:
        """The recorded requests of one method (canonical name, e.g. "sendMessage")."""
        return [request for request in self.requests if request.method == method]

    def is_blocked(self, chat_id: int) -> bool:
        return chat_id in self._blocked

    # ----- one Bot API call, whatever the transport -------------------------------------------------------

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "deleteMessage": self._delete_message,
            "sendChatAction": self._send_chat_action,
            "leaveChat": self._leave_chat,
            "close": self._return_true,
            "logOut": self._return_true,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    async def request(
        self,
        token: str,
        method: str,
        raw: dict[str, Any],
        files: dict[str, UploadedFile] | None = None,
        *,
        via_webhook_reply: bool = False,
    ) -> tuple[int, Json]:
        """Answer one Bot API call as (HTTP status, JSON body). `raw` holds the parameters as a form or
        JSON body carries them (nested objects JSON-encoded), `files` the uploaded parts."""
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        entry = self._methods.get(method.lower())
        if entry is None:
            return 404, ApiError(404, "Not Found: method not found").payload()
        try:
            params = normalize(raw, files or {})
        except ApiError as exc:
            return exc.code, exc.payload()
        return await self._call(*entry, params, via_webhook_reply=via_webhook_reply)

    async def _call(
        self, method: str, handler: Handler, params: Json, *, via_webhook_reply: bool = False
    ) -> tuple[int, Json]:
        record = ApiRequest(method, params, time.monotonic(), via_webhook_reply=via_webhook_reply)
        self.requests.append(record)
        long_poll = method == "getUpdates"
        if not long_poll:
            self._busy += 1
            self.touch()
        try:
            result = await handler(params)
        except ApiError as exc:
            record.status, record.error = exc.code, exc.description
            return exc.code, exc.payload()
        except Exception as exc:  # a bug in the fake: make it loud in the test, not a hang
            logger.exception("FakeTelegram failed on %s", method)
            self.internal_errors.append(f"{method}: {exc!r}")
            record.status, record.error = 500, repr(exc)
            return 500, ApiError(500, f"Internal Server Error: {exc!r}").payload()
        finally:
            if not long_poll:
                self._busy -= 1
                self.touch()
        record.status = 200
        return 200, {"ok": True, "result": result}

    def touch(self) -> None:
        self._last_activity = time.monotonic()

    def wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # ----- forgetting, for long benchmarks ----------------------------------------------------------------

    def forget(self, user_id: int) -> None:
        """Drop everything about a person and their chat (benchmarks/memory.py sends 100,000 people
        through: the fake would otherwise keep all of them). Logs stay; see `clear_logs`."""
        self._users.pop(user_id, None)
        for message in self._messages.pop(user_id, []):
            self._message_index.pop((user_id, message.message_id), None)
        for message_id in range(1, self._last_message_id.pop(user_id, 0) + 1):
            self._user_message_ids.discard((user_id, message_id))
        for table in (self._events, self._cursors, self._chat_buckets):
            table.pop(user_id, None)

    def clear_logs(self) -> None:
        """Forget the recorded requests, sends and button answers (after this, `calls` starts afresh)."""
        self.requests.clear()
        self.sent_log.clear()
        self.callback_answers.clear()

    # ----- chats, messages and limits -------------------------------------------------------------------

    def _chat_json(self, chat_id: int) -> Json:
        user = self._users[chat_id]
        chat: Json = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        return chat

    def _target_chat(self, params: Json) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            if params.get("inline_message_id"):
                raise bad_request("MESSAGE_ID_INVALID")  # inline messages are not simulated
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._users:
            raise bad_request("chat not found")
        if chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    def _own_message(self, chat_id: int, params: Json, action: str) -> BotMessage:
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._message_index.get((chat_id, message_id))
        if message is None or message.deleted:
            if (chat_id, message_id) in self._user_message_ids and action == "edit":
                raise bad_request("message can't be edited")
            raise bad_request(f"message to {action} not found")
        return message

    def _throttle(self, chat_id: int) -> None:
        """Raise a 429 if a send now would exceed the global or the per-chat rate; else spend a token."""
        buckets = [self._global_bucket] if self._global_bucket else []
        if self._per_chat_rate:
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = self._chat_buckets[chat_id] = TokenBucket(self._per_chat_rate, self._per_chat_burst)
            buckets.append(bucket)
        now = time.monotonic()
        wait = max((bucket.wait_time(now) for bucket in buckets), default=0.0)
        if wait > 0:
            self.too_many_requests += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        for bucket in buckets:
            bucket.take()

    def _formatted(
        self, raw: Any, parse_mode: Any, entities: Any, *, limit: int, too_long: str, required: bool
    ) -> tuple[str | None, list[Json]]:
        """The visible text and entities of a text or caption, checked against Telegram's rules."""
        if raw is None or raw == "":
            if required:
                raise bad_request("message text is empty")
            return None, []
        visible, found = self._parse(str(raw), parse_mode, entities)
        if required and not visible.strip():
            raise bad_request("message text is empty")
        if utf16_len(visible) > limit:
            raise bad_request(too_long)
        return visible, found

    @staticmethod
    def _parse(source: str, parse_mode: Any, entities: Any) -> tuple[str, list[Json]]:
        mode = str(parse_mode or "").lower()
        if mode == "html":
            try:
                return parse_html(source)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        if mode in ("", "markdown", "markdownv2"):  # Markdown is not parsed: the text counts as it is
            return source, list(entities) if isinstance(entities, list) else []
        raise bad_request("unsupported parse_mode")

    def _checked_markup(self, markup: Any, *, inline_only: bool = False) -> Json | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
            return markup
        if inline_only:
            raise bad_request("inline keyboard expected")
        if "keyboard" in markup:
            self._check_reply_keyboard(markup["keyboard"])
        elif not ("remove_keyboard" in markup or "force_reply" in markup):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _rows(rows: Any, what: str) -> Iterator[Any]:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(f"can't parse {what}: field must be an Array of Arrays")
        for row in rows:
            yield from row

    def _check_inline_keyboard(self, rows: Any) -> None:
        for button in self._rows(rows, "inline keyboard"):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            if not button["text"]:
                raise bad_request("BUTTON_TEXT_INVALID")
            if not any(key in button for key in _BUTTON_ACTIONS):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not (
                isinstance(data, str) and 1 <= len(data.encode()) <= MAX_CALLBACK_DATA
            ):
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")

    def _check_reply_keyboard(self, rows: Any) -> None:
        for button in self._rows(rows, "keyboard"):
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')

    def _store(self, message: BotMessage) -> None:
        self._messages.setdefault(message.chat_id, []).append(message)
        self._message_index[message.chat_id, message.message_id] = message
        self._record_event(message)

    def _record_event(self, message: BotMessage) -> None:
        self._events.setdefault(message.chat_id, []).append(message.snapshot())

    def _log_send(self, method: str, message: BotMessage) -> None:
        self.sent_log.append(SentRecord(time.monotonic(), method, message.chat_id, message.message_id))

    def _message_json(self, message: BotMessage) -> Json:
        data: Json = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self._chat_json(message.chat_id),
            "from": dict(self.bot_user),
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.plain_text is not None:
            data["text"] = message.plain_text
            if message.entities:
                data["entities"] = message.entities
        if message.document is not None:
            data["document"] = self._document_json(message.document)
        if message.plain_caption is not None:
            data["caption"] = message.plain_caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if (markup := _inline_markup(message.reply_markup)) is not None:
            data["reply_markup"] = markup
        return data

    @staticmethod
    def _document_json(document: SentDocument) -> Json:
        data: Json = {"file_id": document.file_id, "file_unique_id": document.file_unique_id}
        if document.filename:
            data["file_name"] = document.filename
        if document.mime_type:
            data["mime_type"] = document.mime_type
        if document.data is not None:
            data["file_size"] = len(document.data)
        return data

    # ----- Bot API methods --------------------------------------------------------------------------------

    async def _return_true(self, params: Json) -> bool:
        return True

    async def _get_me(self, params: Json) -> Json:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _send_message(self, params: Json) -> Json:
        chat_id = self._target_chat(params)
        visible, entities = self._formatted(
            params.get("text"), params.get("parse_mode"), params.get("entities"),
            limit=MAX_TEXT, too_long="message is too long", required=True,
        )  # fmt: skip
        markup = self._checked_markup(params.get("reply_markup"))
        self._throttle(chat_id)
        message = BotMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            date=int(time.time()),
            text=str(params["text"]),
            plain_text=visible,
            entities=entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        self._store(message)
        self._log_send("sendMessage", message)
        return self._message_json(message)

    async def _send_document(self, params: Json) -> Json:
        chat_id = self._target_chat(params)
        document = self._document_param(params.get("document"))
        caption, caption_entities = self._formatted(
            params.get("caption"), params.get("parse_mode"), params.get("caption_entities"),
            limit=MAX_CAPTION, too_long="message caption is too long", required=False,
        )  # fmt: skip
        markup = self._checked_markup(params.get("reply_markup"))
        self._throttle(chat_id)
        message = BotMessage(
            chat_id=chat_id,
            message_id=self._next_message_id(chat_id),
            date=int(time.time()),
            document=document,
            caption=params.get("caption") or None,
            plain_caption=caption,
            caption_entities=caption_entities,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        self._store(message)
        self._log_send("sendDocument", message)
        return self._message_json(message)

    def _document_param(self, value: Any) -> SentDocument:
        number = len(self.sent_log) + len(self.requests)
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if len(value.data) > MAX_UPLOAD:
                raise ApiError(413, "Request Entity Too Large")
            return SentDocument(
                f"BQAC-doc-{number}", f"doc-{number}", value.filename, value.data, value.content_type
            )
        if isinstance(value, str) and value and not value.startswith("attach://"):
            return SentDocument(value, f"doc-{number}", None, None)  # a file_id or URL: nothing uploaded
        raise bad_request("there is no document in the request")

    async def _edit_message_text(self, params: Json) -> Json:
        chat_id = self._target_chat(params)
        message = self._own_message(chat_id, params, "edit")
        if message.plain_text is None:
            raise bad_request("there is no text in the message to edit")
        visible, entities = self._formatted(
            params.get("text"), params.get("parse_mode"), params.get("entities"),
            limit=MAX_TEXT, too_long="message is too long", required=True,
        )  # fmt: skip
        markup = _inline_markup(self._checked_markup(params.get("reply_markup"), inline_only=True))
        current = (message.plain_text, message.entities, _inline_markup(message.reply_markup))
        if (visible, entities, markup) == current:
            raise bad_request(NOT_MODIFIED)
        self._throttle(chat_id)
        message.text, message.plain_text, message.entities = str(params["text"]), visible, entities
        message.parse_mode = params.get("parse_mode")
        self._apply_edit(message, "editMessageText", markup)
        self._log_send("editMessageText", message)
        return self._message_json(message)

    async def _edit_message_reply_markup(self, params: Json) -> Json:
        chat_id = self._target_chat(params)
        message = self._own_message(chat_id, params, "edit")
        markup = _inline_markup(self._checked_markup(params.get("reply_markup"), inline_only=True))
        if markup == _inline_markup(message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        self._apply_edit(message, "editMessageReplyMarkup", markup)
        return self._message_json(message)

    def _apply_edit(self, message: BotMessage, method: str, markup: Json | None) -> None:
        """Editing without a reply_markup removes the inline keyboard, as in Telegram."""
        message.reply_markup = markup
        message.edit_date = int(time.time())
        edit = MessageEdit(
            method, message.text, message.plain_text, message.parse_mode, markup, message.edit_date
        )
        message.edits.append(edit)
        self._record_event(message)

    async def _delete_message(self, params: Json) -> bool:
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = self._message_index.get((chat_id, message_id))
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        if (chat_id, message_id) in self._user_message_ids:
            self._user_message_ids.discard((chat_id, message_id))
            return True
        raise bad_request("message to delete not found")

    async def _leave_chat(self, params: Json) -> bool:
        chat_id = params.get("chat_id")
        if chat_id not in self._groups:
            raise bad_request("chat not found")
        self.left_groups.append(chat_id)
        return True

    async def _send_chat_action(self, params: Json) -> bool:
        self._target_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        text = params.get("text")
        if query_id not in self._open_queries:
            raise bad_request(QUERY_INVALID)
        if text is not None and utf16_len(str(text)) > MAX_ANSWER_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        user_id = self._open_queries.pop(query_id)  # a query can be answered once
        answer = CallbackAnswer(
            query_id,
            user_id,
            text,
            bool(params.get("show_alert")),
            params.get("url"),
            params.get("cache_time"),
        )
        self.callback_answers.append(answer)
        return True

    @staticmethod
    def _scope_key(scope: Any) -> str:
        scope = scope or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = str(scope["type"])
        if kind in _GENERIC_SCOPES:
            return kind
        if kind in ("chat", "chat_administrators"):
            return f"{kind}:{scope.get('chat_id')}"
        if kind == "chat_member":
            return f"{kind}:{scope.get('chat_id')}:{scope.get('user_id')}"
        raise bad_request("unsupported bot command scope type")

    @staticmethod
    def _language(params: Json) -> str:
        language = str(params.get("language_code") or "")
        if language and not _LANGUAGE_CODE.fullmatch(language):
            raise bad_request("invalid language code specified")
        return language

    def _commands_key(self, params: Json) -> tuple[str, str]:
        """The (scope, language) a menu is kept under; a chat scope must name a chat the bot knows."""
        key = (self._scope_key(params.get("scope")), self._language(params))
        if key[0].startswith(("chat:", "chat_administrators:", "chat_member:")):
            chat = key[0].split(":")[1]
            if not chat.lstrip("-").isdigit() or int(chat) not in self._users:
                raise bad_request("chat not found")
        return key

    async def _set_my_commands(self, params: Json) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _BOT_COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self.commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Json) -> list[Json]:
        return list(self.commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: Json) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def menu(self, user_id: int) -> list[Json]:
        """The command menu this person's app shows in their chat with the bot: the first list that is set
        of chat scope with their app's language, chat scope, all private chats with and without the
        language, default with and without it (Telegram's order, "Determining list of commands")."""
        language = str(self._users.get(user_id, {}).get("language_code", ""))[:2]
        for scope in (f"chat:{user_id}", "all_private_chats", "default"):
            for key in ((scope, language), (scope, "")) if language else ((scope, ""),):
                if key in self.commands:
                    return list(self.commands[key])
        return []

    # ----- polling ------------------------------------------------------------------------------------------

    async def _get_updates(self, params: Json) -> list[Json]:
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), self.max_poll_wait)
        if "allowed_updates" in params:
            self._allowed_updates = params["allowed_updates"] or None
        self._confirm(offset)
        batch = await self._long_poll(limit, time.monotonic() + wait)
        if batch:
            self._handed_out_upto = max(self._handed_out_upto, batch[-1]["update_id"])
            self.touch()
        return batch

    async def _long_poll(self, limit: int, deadline: float) -> list[Json]:
        """Wait until updates are pending or `deadline`; end early when superseded or abandoned."""
        ticket = object()
        self._poller = ticket
        self.wake()  # an older long poll still waiting ends with a conflict, as in Telegram
        while not (batch := self._batch(limit)) and not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, ABANDON_CHECK))
            gone = caller_gone.get()
            if (
                gone is not None and gone()
            ):  # the bot stopped polling: hand nothing out to a closed connection
                raise ApiError(499, "Client Closed Request")
            if self._poller is not ticket:
                raise ApiError(409, POLL_CONFLICT)
            if self.webhook is not None:
                raise ApiError(409, WEBHOOK_CONFLICT)
        return batch

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

    def _batch(self, limit: int) -> list[Json]:
        self._pending = [update for update in self._pending if allowed(update, self._allowed_updates)]
        return self._pending[:limit]

    # ----- webhook ------------------------------------------------------------------------------------------

    async def _set_webhook(self, params: Json) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.hostname not in _LOOPBACK_HOSTS:
            raise bad_request("bad webhook: FakeTelegram delivers to loopback addresses only")
        secret = params.get("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        wanted = params.get("allowed_updates")
        self.webhook = WebhookConfig(url, secret, wanted or None, params.get("max_connections"))
        if params.get("drop_pending_updates"):
            self._drop_pending()
        for update in self._pending:  # not yet confirmed updates now go to the webhook
            self.webhook_queue.put_nowait(update)
        self._pending = []
        self.wake()
        return True

    async def _delete_webhook(self, params: Json) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.wake()
        return True

    def _drop_pending(self) -> None:
        self._pending = []
        while not self.webhook_queue.empty():
            self.webhook_queue.get_nowait()
            self.webhook_queue.task_done()

    async def _get_webhook_info(self, params: Json) -> Json:
        pending = self.webhook_queue.qsize() + len(self._pending) + int(self.delivering)
        info: Json = {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        if self.webhook is not None:
            info["url"] = self.webhook.url
            if self.webhook.max_connections:
                info["max_connections"] = self.webhook.max_connections
            if self.webhook.allowed_updates:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.last_webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self.last_webhook_error
        return info

    def back_to_polling(self, update: Json) -> None:
        """An update meant for a webhook that was deleted meanwhile goes to getUpdates again."""
        self._pending.append(update)
        self._pending.sort(key=lambda u: u["update_id"])
        self.wake()

    # ----- simulated people ---------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "de",
        username: str | None = None,
        last_name: str | None = None,
    ) -> Json:
        """Register a person and their private chat (chat id == user id); returns the User object."""
        user: Json = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _user(self, user_id: int) -> Json:
        return self._users.get(user_id) or self.add_user(user_id)

    def push_update(self, payload: Json) -> Json:
        """Send an update made of `payload`, e.g. {"message": {...}}: to the in-process bot (a copy, as it
        is at this moment), else queued for getUpdates or the webhook."""
        update = {"update_id": next(self._update_ids), **payload}
        self.touch()
        if self.update_sink is not None:
            self.update_sink(copy.deepcopy(update))
        elif self.webhook is not None:
            self.webhook_queue.put_nowait(update)
        else:
            self._pending.append(update)
            self.wake()
        return update

    def send_text(self, user_id: int, text: str) -> Json:
        """The person writes `text`; a leading /command gets its bot_command entity."""
        return self.send_message(user_id, text=text)

    def send_message(self, user_id: int, **fields: Any) -> Json:
        """The person sends a message with arbitrary content, e.g. `sticker=True`, `photo=True`,
        `voice={"duration": 7}`, `document={"file_name": "a.pdf"}`, `location=True`, `contact=True`.

        `True` or a partial dict gets the minimal required fields filled in; other values are used as given.
        """
        return self.push_update({"message": self._user_message(user_id, **fields)})

    def send_anonymous(self, user_id: int, text: str) -> Json:
        """A message in the person's chat without a sender (no `from`), as from a channel."""
        message = self._user_message(user_id, text=text)
        del message["from"]
        return self.push_update({"message": message})

    def _user_message(self, user_id: int, **fields: Any) -> Json:
        user = self._user(user_id)
        message_id = self._next_message_id(user_id)
        message: Json = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat_json(user_id),
            "from": dict(user),
        }
        for key, value in fields.items():
            message[key] = self._content(key, value, user, message_id)
        text = message.get("text")
        if isinstance(text, str) and "entities" not in message and (command := _USER_COMMAND.match(text)):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        self._user_message_ids.add((user_id, message_id))
        return message

    @staticmethod
    def _content(kind: str, value: Any, user: Json, number: int) -> Any:
        file = {
            "file_id": f"{kind}-file-{user['id']}-{number}",
            "file_unique_id": f"{kind}-{user['id']}-{number}",
        }
        defaults: dict[str, Json] = {
            "sticker": {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False,
                        "is_video": False, "emoji": "👍"},
            "voice": {**file, "duration": 3, "mime_type": "audio/ogg"},
            "audio": {**file, "duration": 3},
            "video": {**file, "width": 640, "height": 360, "duration": 3},
            "video_note": {**file, "length": 240, "duration": 3},
            "animation": {**file, "width": 320, "height": 240, "duration": 2},
            "document": {**file, "file_name": "document.pdf", "mime_type": "application/pdf"},
            "location": {"latitude": 52.520008, "longitude": 13.404954},
            "contact": {"phone_number": "+4930123456", "first_name": user["first_name"],
                        "user_id": user["id"]},
        }  # fmt: skip
        if kind == "photo" and (value is True or isinstance(value, dict)):
            sizes = [(90, 67), (320, 240), (800, 600)]
            overrides = value if isinstance(value, dict) else {}
            return [
                {
                    **file,
                    "file_unique_id": f"{file['file_unique_id']}-{w}",
                    "width": w,
                    "height": h,
                    **overrides,
                }
                for w, h in sizes
            ]
        if kind in defaults and (value is True or isinstance(value, dict)):
            return {**defaults[kind], **(value if isinstance(value, dict) else {})}
        return value

    def send_in_group(self, user_id: int, group_id: int, text: str, kind: str = "group") -> Json:
        """The person writes `text` in a group (or supergroup) the bot was added to."""
        self._groups.add(group_id)
        user = self._user(user_id)
        message: Json = {
            "message_id": self._next_message_id(group_id),
            "date": int(time.time()),
            "chat": {"id": group_id, "type": kind, "title": "Nachbarschaft"},
            "from": dict(user),
            "text": text,
        }
        if command := _USER_COMMAND.match(text):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command.group())}]
        return self.push_update({"message": message})

    def press(self, user_id: int, message_id: int, data: str) -> Json:
        """The person presses a button with callback `data` under the bot's message `message_id`."""
        user = self._user(user_id)
        message = self._message_index.get((user_id, message_id))
        if message is None or message.deleted:
            raise LookupError(f"no bot message {message_id} in chat {user_id}")
        query_id = str(next(self._query_ids))
        self._open_queries[query_id] = user_id
        callback_query = {
            "id": query_id,
            "from": dict(user),
            "message": self._message_json(message),
            "chat_instance": f"instance-{user_id}",
            "data": data,
        }
        return self.push_update({"callback_query": callback_query})

    def press_button(self, user_id: int, label: str) -> Json:
        """Press the button labelled `label` (exact text first, else containing it) under the newest bot
        message to the person that has such a button."""
        for message in reversed(self.messages(user_id)):
            texts = message.button_texts
            index = (
                texts.index(label)
                if label in texts
                else next((i for i, text in enumerate(texts) if label in text), None)
            )
            if index is None:
                continue
            button = message.buttons[index]
            if "callback_data" not in button:
                raise LookupError(f"button {button['text']!r} has no callback_data: {button!r}")
            return self.press(user_id, message.message_id, button["callback_data"])
        offered = [text for message in self.messages(user_id) for text in message.button_texts]
        raise LookupError(f"no button {label!r} in the bot's messages to {user_id}; buttons: {offered!r}")

    def block(self, chat_id: int, *, notify: bool = False) -> Json | None:
        """The person blocks the bot: sends fail with 403. With `notify`, a my_chat_member update is sent."""
        self._blocked.add(chat_id)
        return self._member_update(chat_id, "member", "kicked") if notify else None

    def unblock(self, chat_id: int, *, notify: bool = False) -> Json | None:
        self._blocked.discard(chat_id)
        return self._member_update(chat_id, "kicked", "member") if notify else None

    def _member_update(self, chat_id: int, old: str, new: str) -> Json:
        user = self._user(chat_id)

        def member(status: str) -> Json:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"status": status, "user": dict(self.bot_user), **extra}

        change = {
            "chat": self._chat_json(chat_id),
            "from": dict(user),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self.push_update({"my_chat_member": change})

    # ----- waiting ------------------------------------------------------------------------------------------

    async def settle(self) -> None:
        """Wait until the bot under test has handled every update sent so far (its harness says how:
        in-process, the `feed_update` calls are over; over HTTP, the updates were fetched and handled)."""
        if self.settler is None:
            raise RuntimeError("no bot under test is attached to this FakeTelegram")
        await self.settler()

    async def wait_for(self, predicate: Callable[[], T], timeout: float = WAIT_TIMEOUT) -> T:
        """Check `predicate` every 20 ms until it returns something truthy, and return that.

        `timeout` only bounds a wait for something that does not happen; it is no expectation of speed."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s; {self._recent()}")
            await asyncio.sleep(POLL_INTERVAL)
        return value

    async def next_message(self, chat_id: int, timeout: float = WAIT_TIMEOUT) -> BotMessage:
        """The next message the bot sent or edited in `chat_id` that no earlier call returned, as it was
        at that moment (a snapshot)."""
        cursor = self._cursors.get(chat_id, 0)
        try:
            await self.wait_for(lambda: len(self._events.get(chat_id, [])) > cursor, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no new bot message to chat {chat_id} within {timeout} s; {self._recent()}"
            ) from None
        self._cursors[chat_id] = cursor + 1
        return self._events[chat_id][cursor]

    async def wait_idle(self, seconds: float = 0.3, timeout: float = WAIT_TIMEOUT) -> None:
        """Return once every update has been handed to the bot and no Bot API call (other than an empty
        long poll) has arrived or run for `seconds`."""
        await self.wait_for(lambda: self._idle_for(seconds), timeout)

    async def wait_delivered(self, timeout: float = WAIT_TIMEOUT) -> None:
        """Return once every update has been fetched by getUpdates or posted to the webhook."""
        await self.wait_for(lambda: not self._undelivered(), timeout)

    def _undelivered(self) -> bool:
        waiting = any(update["update_id"] > self._handed_out_upto for update in self._pending)
        return waiting or self.delivering or not self.webhook_queue.empty()

    def _idle_for(self, seconds: float) -> bool:
        quiet = time.monotonic() - self._last_activity >= seconds
        return quiet and self._busy == 0 and not self._undelivered()

    def _recent(self) -> str:
        calls = [r for r in self.requests if r.method != "getUpdates"]
        tail = ", ".join(f"{r.method}->{r.status}" for r in calls[-8:])
        return f"recent calls: {tail or 'none'}"
