"""One simulated person talking to the bot under test, the way a person uses Telegram.

    amal = Person(fake, 1001, "ar")
    await amal.consent()                      # /start, her language, "Ja, einverstanden", her age
    await amal.press(amal.t._("Überspringen"))
    await amal.say("Wir brauchen mehr Dolmetscher.")
    assert "Danke" in amal.last.plain_text

Each step returns once the bot has handled it (`fake.settle()`); nothing waits for a clock. What the
bot sends on its own later (invitations, export files, promotions) is waited for with `fake.wait_for`.
"""

from __future__ import annotations

from typing import Any

from bot import catalogs
from bot.locales import translator
from dialogs.bidi import FSI
from dialogs.i18n import Translator
from tests.support.fake_telegram import BotMessage, FakeTelegram, Json

ABOUT_QUESTIONS = 5  # the "about you" block: district, age, ...


class Person:
    """A person with Telegram user id `user_id` whose phone speaks `locale` (or `language_code`)."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        locale: str = "de",
        *,
        language_code: str | None = None,
        first_name: str = "Test",
        username: str | None = None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.locale = locale
        self.t: Translator = translator(locale)
        fake.add_user(
            user_id, first_name=first_name, language_code=language_code or locale, username=username
        )

    # ----- doing -------------------------------------------------------------------------------------------

    async def say(self, text: str) -> None:
        """Write `text` (a leading /command is a command) and wait until the bot has handled it."""
        self.fake.send_text(self.id, text)
        await self.fake.settle()

    async def send(self, **content: Any) -> Json:
        """Send any message content, e.g. `sticker=True` (see FakeTelegram.send_message)."""
        update = self.fake.send_message(self.id, **content)
        await self.fake.settle()
        return update

    async def press(self, label: str) -> None:
        """Press the button labelled `label` (exact, else containing it) under the newest message with one."""
        self.fake.press_button(self.id, label)
        await self.fake.settle()

    async def press_first(self, message: BotMessage | None = None) -> None:
        """Press the first button (the first option) of `message`, by default the newest with buttons."""
        message = message or self.last_with_buttons
        await self.press_data(message.buttons[0]["callback_data"], message)

    async def press_data(self, data: str, message: BotMessage | None = None) -> None:
        """Press a button with exactly this callback data (forged, or an old one) under `message`."""
        message = message or self.last
        self.fake.press(self.id, message.message_id, data)
        await self.fake.settle()

    async def consent(self) -> Translator:
        """/start, pick the phone's language (offered first), agree and say one is 16 or older; returns
        the person's translator."""
        await self.say("/start")
        language = catalogs.language_name(self.locale)
        assert self.last_with_buttons.button_texts[0] == language, "the phone's language is offered first"
        await self.press(language)
        await self.press(self.t._("Ja, einverstanden"))
        await self.press(self.t._("16 Jahre oder älter"))
        return self.t

    async def skip_about(self) -> None:
        """Decline every question about oneself ("Keine Angabe", the one way to decline there) and send."""
        for _ in range(ABOUT_QUESTIONS):
            await self.press(self.t._("Keine Angabe"))
        await self.press(self.t._("Absenden"))

    async def open_field(self, title: str) -> Translator:
        """Agree, skip the questions about oneself and open the field `title` (as the person reads it)."""
        await self.consent()
        await self.skip_about()
        await self.press(title)
        return self.t

    async def answer_field(self, free_text: str, limit: int = 60) -> int:
        """Answer every question of the open field (the first option, or `free_text` where a text is
        asked) up to the review, and send; returns how many questions were answered."""
        t = self.t
        hint = t._("Schreiben Sie Ihre Antwort als Nachricht (höchstens {limit} Zeichen).", limit=1000)
        hint = hint.split(FSI)[0][:20]
        for answered in range(limit):
            message = self.last_with_buttons
            if t._("Absenden") in message.button_texts:
                await self.press(t._("Absenden"))
                return answered
            assert message.plain_text is not None
            if hint in message.plain_text:
                await self.say(free_text)
            elif t._("Fertig") in message.button_texts:  # several answers: the first, then done
                await self.press_first(message)
                await self.press(t._("Fertig"))
            else:
                await self.press_first(message)
        raise AssertionError("the questionnaire did not end")

    # ----- seeing ------------------------------------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """The bot's messages to this person, in order, each as it is now (edited or not)."""
        return self.fake.messages(self.id)

    @property
    def last(self) -> BotMessage:
        messages = self.messages
        assert messages, f"the bot sent nothing to {self.id}"
        return messages[-1]

    @property
    def last_with_buttons(self) -> BotMessage:
        for message in reversed(self.messages):
            if message.buttons:
                return message
        raise AssertionError(f"no message with buttons in chat {self.id}")

    @property
    def texts(self) -> list[str]:
        """What the person reads: each message's text, or a file's caption."""
        return [m.plain_text or m.plain_caption or "" for m in self.messages]

    def texts_since(self, count: int) -> list[str]:
        return self.texts[count:]

    @property
    def documents(self) -> list[BotMessage]:
        return [m for m in self.messages if m.document is not None]
