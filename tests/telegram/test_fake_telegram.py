"""Checks of the fake Bot API itself, through a real aiogram `Bot`: its rules through both transports
(HTTP, and the in-process session: the same core answers), and what only HTTP has (getUpdates long polls,
the webhook, the polling loop)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.support.fake_telegram import FakeTelegram, parse_html, utf16_len

ALICE = 1001
BOB = 1002


TRANSPORTS = ["http", "in_process"]


class LoopbackSession(AiohttpSession):
    """aiogram's HTTP session; closing it skips the quarter second aiogram waits for TLS connections
    to close, since there are none to the fake on loopback."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(fake: FakeTelegram, token: str | None = None, transport: str = "http") -> Bot:
    if transport == "in_process":
        return Bot(token or fake.token, session=fake.session())
    session = LoopbackSession(api=TelegramAPIServer.from_base(fake.base_url))
    return Bot(token or fake.token, session=session)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.add_user(ALICE, first_name="Alice", language_code="ar")
        yield server
    assert not server.internal_errors


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Over HTTP, or handed to the core in process: the same rules must hold."""
    return str(request.param)


@pytest.fixture
async def bot(fake: FakeTelegram, transport: str) -> AsyncIterator[Bot]:
    bot = make_bot(fake, transport=transport)
    yield bot
    await bot.session.close()


@pytest.fixture
async def http_bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake)
    yield bot
    await bot.session.close()


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons]
    return InlineKeyboardMarkup(inline_keyboard=rows)


@contextlib.asynccontextmanager
async def local_app(app: web.Application) -> AsyncIterator[str]:
    """Serve `app` on a free loopback port; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run aiogram's real polling loop against the fake for the duration of the block."""
    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    try:
        yield
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(task, 5)


# ----- basics ---------------------------------------------------------------------------------------------


async def test_get_me(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "mitsprache_test_bot"
    assert me.id == 123456
    assert fake.calls("getMe")[0].status == 200


async def test_wrong_token_is_unauthorized(fake: FakeTelegram, transport: str) -> None:
    intruder = make_bot(fake, token="999:WRONG", transport=transport)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await intruder.session.close()


async def test_unknown_method_is_not_found(fake: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.base_url}/bot{fake.token}/sendTelepathy", data={"chat_id": "1"}) as response,
    ):
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    # The in-process transport asks the same core.
    assert await fake.request(fake.token, "sendTelepathy", {"chat_id": "1"}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )


async def test_json_and_get_requests_are_understood(fake: FakeTelegram) -> None:
    url = f"{fake.base_url}/bot{fake.token}"
    markup = {"inline_keyboard": [[{"text": "Ja", "callback_data": "yes"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{url}/sendMessage", json={"chat_id": ALICE, "text": "Hallo", "reply_markup": markup}
        ) as response:
            assert (await response.json())["result"]["reply_markup"] == markup
        async with http.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["is_bot"] is True
    assert fake.messages(ALICE)[0].button_texts == ["Ja"]


# ----- strictness -----------------------------------------------------------------------------------------


async def test_unknown_chat_is_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(424242, "Hallo")


async def test_blocked_chat_is_forbidden(bot: Bot, fake: FakeTelegram) -> None:
    fake.block(ALICE)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "Hallo")
    fake.unblock(ALICE)
    await bot.send_message(ALICE, "Hallo")


async def test_empty_text_is_refused(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")


async def test_length_limit_counts_visible_utf16_units(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(ALICE, "x" * 4096)
    await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(ALICE, "😀" * 2048)
    for too_long in ("x" * 4097, "😀" * 2049):
        with pytest.raises(TelegramBadRequest, match="message is too long"):
            await bot.send_message(ALICE, too_long)
    assert len(fake.messages(ALICE)) == 3


@pytest.mark.parametrize(
    "text",
    [
        "<b>x",
        "<script>alert(1)</script>",
        "a < b",
        "Tom & Jerry",
        "&nbsp;",
        "<b><i>x</b></i>",
        "x</b>",
        "<span>x</span>",
        "<br/>",
        '<a href="https://example.org">x',
    ],
)
async def test_bad_html_is_refused(bot: Bot, text: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, text, parse_mode="HTML")


async def test_good_nested_html_is_accepted(bot: Bot, fake: FakeTelegram) -> None:
    html = (
        '<b>Fett <i>kursiv</i></b> &lt;3 &amp; &quot;ok&quot; &#128512; <a href="https://example.org/?a=1&amp;b=2">'
        'Link</a> <tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span> <code>c</code> '
        '<pre><code class="language-python">p</code></pre> <blockquote expandable>q</blockquote> a > b'
    )
    sent = await bot.send_message(ALICE, html, parse_mode="HTML")
    assert sent.text == 'Fett kursiv <3 & "ok" 😀 Link x y c p q a > b'
    recorded = fake.messages(ALICE)[0]
    assert recorded.text == html
    assert recorded.plain_text == sent.text
    kinds = [(e["type"], e["offset"], e["length"]) for e in recorded.entities]
    assert kinds[:2] == [("bold", 0, 11), ("italic", 5, 6)]
    link = next(e for e in recorded.entities if e["type"] == "text_link")
    assert link["url"] == "https://example.org/?a=1&b=2"
    assert link["offset"] == utf16_len('Fett kursiv <3 & "ok" 😀 ')
    pre = next(e for e in recorded.entities if e["type"] == "pre")
    assert pre["language"] == "python"
    assert "expandable_blockquote" in {e["type"] for e in recorded.entities}


def test_parse_html_reports_byte_offsets() -> None:
    assert parse_html("ä <b>x</b>") == ("ä x", [{"type": "bold", "offset": 2, "length": 1}])
    with pytest.raises(ValueError, match='Unsupported start tag "script" at byte offset 3'):
        parse_html("ä <script>")


async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    await bot.send_message(ALICE, "ok", reply_markup=keyboard(("Ja", "ä" * 32)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "zu lang", reply_markup=keyboard(("Ja", "ä" * 32 + "a")))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE, "leer", reply_markup=keyboard(("Ja", "")))


async def test_inline_button_needs_text_and_an_action(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="BUTTON_TEXT_INVALID"):
        await bot.send_message(ALICE, "x", reply_markup=keyboard(("", "data")))
    plain = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="nur Text")]])
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(ALICE, "x", reply_markup=plain)


async def test_callback_answer_text_is_limited(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "Frage", reply_markup=keyboard(("Ja", "yes")))
    query_id = fake.press(ALICE, sent.message_id, "yes")["callback_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="x" * 201)
    await bot.answer_callback_query(query_id, text="x" * 200)
    assert fake.callback_answers[0].text == "x" * 200
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query_id)


async def test_per_chat_rate_limit_answers_retry_after(transport: str) -> None:
    async with FakeTelegram(per_chat_rate=1, per_chat_burst=3) as fake:
        fake.add_user(ALICE)
        fake.add_user(BOB)
        bot = make_bot(fake, transport=transport)
        try:
            for number in range(3):
                await bot.send_message(ALICE, f"Nachricht {number}")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(ALICE, "eine zu viel")
            await bot.send_message(BOB, "anderer Chat")
        finally:
            await bot.session.close()
    assert caught.value.retry_after >= 1
    assert fake.too_many_requests == 1
    assert [(record.method, record.chat_id) for record in fake.sent_log] == [
        ("sendMessage", ALICE),
        ("sendMessage", ALICE),
        ("sendMessage", ALICE),
        ("sendMessage", BOB),
    ]


async def test_global_rate_limit_spans_chats(transport: str) -> None:
    async with FakeTelegram(global_rate=2) as fake:
        fake.add_user(ALICE)
        fake.add_user(BOB)
        bot = make_bot(fake, transport=transport)
        try:
            await bot.send_message(ALICE, "eins")
            await bot.send_message(BOB, "zwei")
            with pytest.raises(TelegramRetryAfter) as caught:
                await bot.send_message(ALICE, "drei")
        finally:
            await bot.session.close()
    assert caught.value.retry_after == 1
    assert fake.too_many_requests == 1


async def test_edit_message_text(bot: Bot, fake: FakeTelegram) -> None:
    markup = keyboard(("Weiter", "next"))
    sent = await bot.send_message(ALICE, "<b>Frage</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<strong>Frage</strong>",
            chat_id=ALICE,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    await bot.edit_message_text("Danke", chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("?", chat_id=ALICE, message_id=999)
    message = fake.messages(ALICE)[0]
    assert message.text == "Danke"
    assert message.reply_markup is None  # editing without reply_markup drops the keyboard
    assert [edit.text for edit in message.edits] == ["Danke"]


async def test_edit_reply_markup_and_delete(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "Frage", reply_markup=keyboard(("Ja", "yes")))
    await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id)
    assert await bot.delete_message(ALICE, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)
    assert fake.messages(ALICE) == []
    assert fake.messages(ALICE, include_deleted=True)[0].deleted


# ----- simulated people -----------------------------------------------------------------------------------


async def test_get_updates_delivers_text_and_button_press(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_text(ALICE, "/start abc")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.text == "/start abc"
    assert update.message.from_user is not None
    assert update.message.from_user.language_code == "ar"
    assert update.message.entities is not None
    assert (update.message.entities[0].type, update.message.entities[0].length) == ("bot_command", 6)

    sent = await bot.send_message(ALICE, "Weiter?", reply_markup=keyboard(("Ja, weiter", "go")))
    fake.press_button(ALICE, "weiter")
    [press] = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert press.update_id == update.update_id + 1
    assert press.callback_query is not None
    assert press.callback_query.data == "go"
    assert isinstance(press.callback_query.message, Message)
    assert press.callback_query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(press.callback_query.id)

    assert await bot.get_updates(offset=press.update_id + 1, timeout=0) == []


# Shorter than the 30 s a long poll below may wait: a poll that is still open after it has not
# returned early. Long enough for any load on the machine.
BEFORE_THE_POLL_ENDS = 20


async def test_long_poll_returns_when_an_update_arrives() -> None:
    async with FakeTelegram(max_poll_wait=30) as fake:
        fake.add_user(ALICE)
        bot = make_bot(fake)
        try:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await fake.wait_for(lambda: fake.calls("getUpdates"))
            fake.send_text(ALICE, "Hallo")
            updates = await asyncio.wait_for(poll, BEFORE_THE_POLL_ENDS)
        finally:
            await bot.session.close()
    assert [u.message.text for u in updates if u.message] == ["Hallo"]


async def test_long_poll_wait_is_capped() -> None:
    async with FakeTelegram(max_poll_wait=0.1) as fake:
        bot = make_bot(fake)
        try:
            assert await asyncio.wait_for(bot.get_updates(timeout=30), BEFORE_THE_POLL_ENDS) == []
        finally:
            await bot.session.close()


@pytest.mark.parametrize(
    "fields",
    [
        {"sticker": True},
        {"photo": True},
        {"voice": {"duration": 7}},
        {"document": {"file_name": "Bescheid.pdf"}},
        {"location": True},
        {"contact": True},
        {"video": True},
        {"video_note": True},
        {"audio": True},
        {"animation": True},
        {"text": "Hallo", "reply_to_message": None},
    ],
)
async def test_simulated_messages_are_valid_updates(fake: FakeTelegram, fields: dict[str, Any]) -> None:
    fields = {key: value for key, value in fields.items() if value is not None}
    update = Update.model_validate(fake.send_message(BOB, **fields))
    assert update.message is not None
    assert update.message.chat.id == BOB
    assert update.message.content_type == next(iter(fields))


async def test_block_with_notice_sends_my_chat_member(fake: FakeTelegram) -> None:
    update = Update.model_validate(fake.block(ALICE, notify=True))
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert fake.is_blocked(ALICE)


async def test_press_button_prefers_the_newest_message(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(ALICE, "alt", reply_markup=keyboard(("Ja", "old")))
    await bot.send_message(ALICE, "neu", reply_markup=keyboard(("Ja", "new"), ("Nein", "no")))
    assert fake.press_button(ALICE, "Ja")["callback_query"]["data"] == "new"
    with pytest.raises(LookupError, match="Vielleicht"):
        fake.press_button(ALICE, "Vielleicht")


# ----- commands, files, webhook ---------------------------------------------------------------------------


async def test_set_my_commands_is_recorded_per_language(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Beginnen")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="ابدأ")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ar",
    )
    assert fake.commands[("default", "")] == [{"command": "start", "description": "Beginnen"}]
    assert fake.commands[("all_private_chats", "ar")][0]["description"] == "ابدأ"
    arabic = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ar")
    assert [c.description for c in arabic] == ["ابدأ"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="x")])
    await bot.delete_my_commands()
    assert ("default", "") not in fake.commands


async def test_a_chat_menu_wins_over_the_menus_by_app_language_as_in_telegram(
    bot: Bot, fake: FakeTelegram
) -> None:
    """Telegram's order: chat scope with the app's language, chat scope, all private chats, default."""
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="ابدأ")], scope=BotCommandScopeDefault(), language_code="ar"
    )
    assert fake.menu(ALICE)[0]["description"] == "ابدأ"  # her app speaks Arabic
    chat = BotCommandScopeChat(chat_id=ALICE)
    await bot.set_my_commands([BotCommand(command="start", description="پیل")], scope=chat)
    assert fake.menu(ALICE)[0]["description"] == "پیل"
    await bot.set_my_commands([BotCommand(command="start", description="x")], scope=chat, language_code="ar")
    assert fake.menu(ALICE)[0]["description"] == "x"
    await bot.delete_my_commands(scope=chat, language_code="ar")
    await bot.delete_my_commands(scope=chat)
    assert fake.menu(ALICE)[0]["description"] == "ابدأ"
    for call in (
        bot.set_my_commands(
            [BotCommand(command="start", description="x")], scope=BotCommandScopeChat(chat_id=7)
        ),
        bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=7)),
        bot.get_my_commands(scope=BotCommandScopeChat(chat_id=7)),
    ):
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await call
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand(command="start", description="x" * 257)], scope=chat)
    with pytest.raises(TelegramBadRequest, match="BOT_COMMANDS_TOO_MUCH"):
        many = [BotCommand(command=f"c{i}", description="x") for i in range(101)]
        await bot.set_my_commands(many, scope=chat)


async def test_send_document_records_the_file(bot: Bot, fake: FakeTelegram) -> None:
    data = b"id;antwort\n1;ja\n"
    sent = await bot.send_document(
        ALICE, BufferedInputFile(data, filename="export.csv"), caption="<i>Export</i>", parse_mode="HTML"
    )
    assert sent.document is not None
    assert sent.document.file_name == "export.csv"
    assert sent.caption == "Export"
    message = await fake.next_message(ALICE)
    assert (message.document_name, message.document_bytes) == ("export.csv", data)
    assert message.document is not None and message.document.mime_type == "application/octet-stream"


async def test_next_message_sees_sends_and_edits_in_order(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "eins")
    await bot.edit_message_text("zwei", chat_id=ALICE, message_id=sent.message_id)
    first, second = await fake.next_message(ALICE), await fake.next_message(ALICE)
    assert (first.text, first.edits) == ("eins", [])
    assert (second.text, len(second.edits)) == ("zwei", 1)
    with pytest.raises(TimeoutError, match="no new bot message"):
        await fake.next_message(ALICE, timeout=0.1)


async def test_webhook_delivery_with_secret(http_bot: Bot, fake: FakeTelegram) -> None:
    bot = http_bot
    received: list[tuple[str | None, dict[str, Any]]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", receive)
    async with local_app(app) as url:
        await bot.set_webhook(f"{url}/hook", secret_token="s3cr3t_token")
        assert fake.webhook is not None
        assert (fake.webhook.url, fake.webhook.secret) == (f"{url}/hook", "s3cr3t_token")
        update = fake.send_text(ALICE, "Hallo")
        await fake.wait_for(lambda: received)
        with pytest.raises(TelegramConflictError):
            await bot.get_updates(timeout=0)
        info = await bot.get_webhook_info()
        await bot.delete_webhook()
    assert received == [("s3cr3t_token", update)]
    assert fake.webhook_statuses == [200]
    assert info.url == f"{url}/hook"
    assert fake.webhook is None


async def test_webhook_reply_in_response_body_is_executed(fake: FakeTelegram) -> None:
    dp = Dispatcher()

    @dp.message(F.text == "ping")
    async def pong(message: Message) -> SendMessage:
        return message.answer("pong")  # answered in the webhook response, not by a separate call

    bot = make_bot(fake)
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="geheim").register(app, "/hook")
    async with local_app(app) as url:
        await bot.set_webhook(f"{url}/hook", secret_token="geheim")
        fake.send_text(ALICE, "ping")
        reply = await fake.next_message(ALICE)
        await bot.set_webhook(f"{url}/hook", secret_token="falsch")
        fake.send_text(ALICE, "ping")
        await fake.wait_for(lambda: len(fake.webhook_statuses) == 2)
    assert reply.text == "pong"
    assert fake.calls("sendMessage")[0].via_webhook_reply
    assert fake.webhook_statuses == [200, 401]


async def test_real_polling_loop_round_trip(http_bot: Bot, fake: FakeTelegram) -> None:
    bot = http_bot
    dp = Dispatcher()

    @dp.message(F.text == "/start")
    async def start(message: Message) -> None:
        await message.answer("Willkommen", reply_markup=keyboard(("Los geht's", "go")))

    @dp.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.message.edit_text("Los!")
        await query.answer("ok")

    async with polling(dp, bot):
        fake.send_text(ALICE, "/start")
        welcome = await fake.next_message(ALICE)
        assert welcome.button_texts == ["Los geht's"]
        fake.press_button(ALICE, "Los")
        edited = await fake.next_message(ALICE)
        await fake.wait_for(lambda: fake.callback_answers)  # answered after the edit
    assert edited.text == "Los!"
    assert [answer.text for answer in fake.callback_answers] == ["ok"]


async def test_wait_idle_waits_for_undelivered_updates(fake: FakeTelegram) -> None:
    fake.send_text(ALICE, "niemand holt das ab")
    with pytest.raises(TimeoutError):
        await fake.wait_idle(seconds=0.05, timeout=0.2)


async def test_abandoned_long_poll_hands_nothing_out(http_bot: Bot, fake: FakeTelegram) -> None:
    bot = http_bot
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await fake.wait_for(lambda: fake.calls("getUpdates"))
    poll.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poll
    await fake.wait_for(lambda: fake.calls("getUpdates")[0].status == 499)
    fake.send_text(ALICE, "für den nächsten Poll")
    with pytest.raises(TimeoutError):
        await fake.wait_delivered(timeout=0.1)
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    await fake.wait_delivered()


async def test_in_process_updates_go_to_the_sink_as_they_were_sent() -> None:
    fake = FakeTelegram()
    received: list[dict[str, Any]] = []
    fake.update_sink = received.append
    update = fake.send_text(ALICE, "/start")
    update["message"]["text"] = "changed afterwards"
    assert [u["message"]["text"] for u in received] == ["/start"]  # a copy, as it was sent
    assert Update.model_validate(received[0]).message is not None
    # Nothing is queued for getUpdates meanwhile.
    assert not fake._pending
    with pytest.raises(RuntimeError, match="no bot under test"):
        await fake.settle()
