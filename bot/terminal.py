"""The conversation in a terminal: numbered options, works with piped stdin; state lives in the DB.

Direction marks (dialogs/bidi.py) are removed before printing: a terminal without its own bidi shows
them as boxes or garbage, and one with it (VTE, Konsole, mlterm) lays out each line by itself. Text
reordered here into visual order (python-bidi) would come out reversed twice in the latter, would still
not join Arabic letters in the former, and would be backwards when piped or copied."""

from __future__ import annotations

import asyncio
import shlex
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from bot.usecases.invitations import Invitations
from bot.usecases.language import chosen, picker
from bot.usecases.turns import Conversations
from dialogs.bidi import strip_marks
from dialogs.i18n import Translator
from dialogs.messages import Button, Command, Input, Outcome, Press, Reply, Start, Text

CHANNEL = "terminal"
INVITATION_COMMANDS = ("events", "subscribe", "unsubscribe")


# Moves between screens have letters, so that no option number can be mistaken for one: the options of
# every screen are numbered 1..n, and these keys mean the same on every screen.
KEYS = {
    "back": "z",  # Zurück
    "skip": "s",  # Überspringen
    "pause": "p",
    "resume": "w",  # Weitermachen
    "menu": "m",  # Menü, Zur Übersicht
    "done": "f",  # Fertig
    "send": "a",  # Absenden
}


def parse(line: str, keys: Mapping[str, Button], seq: int) -> Input:
    """A typed line: "/command", the number or letter of a button, or text for the engine to judge."""
    text = line.strip()
    if text.startswith("/") and len(text) > 1:
        return Command(text[1:].split()[0].lower())
    button = keys.get(text.casefold())
    if button is not None:
        return Press(seq, button.action, button.arg)
    return Text(line.rstrip("\r\n"))


def render(outcome: Outcome, out: TextIO) -> dict[str, Button]:
    """Print the replies; returns the buttons by the key that presses them (a number or a letter)."""
    keys: dict[str, Button] = {}
    for reply in outcome.replies:
        out.write("\n" + strip_marks(reply.text) + "\n")
        for row in reply.buttons:
            cells = []
            for button in row:
                key = KEYS.get(button.action)
                if key is None:
                    key = str(sum(1 for k in keys if k.isdecimal()) + 1)
                keys[key] = button
                # On the review the number is all there is to say: it is the question's number.
                label = "✎" if button.action == "edit" else strip_marks(button.label)
                cells.append(f"[{key}] {label}")
            short = all(len(strip_marks(b.label)) <= 14 for b in row)
            if short:
                out.write("  " + "   ".join(cells) + "\n")
            else:
                out.writelines(f"  {cell}\n" for cell in cells)
    out.flush()
    return keys


async def chat(
    conversations: Conversations,
    person_id: str,
    locale: str,
    translators: Callable[[str], Translator],
    stdin: TextIO,
    stdout: TextIO,
    resume: str,
    locales: Sequence[str],
    invitations: Invitations,
    lang: str | None = None,
) -> None:
    """Runs until end of input or Ctrl-C. Every turn is saved before the next line is read.

    `locale`: the default language; `lang`: the one asked for on the command line, which a new person
    does not have to pick and a returning one switches to. `resume`: the command line that brings
    this person back, said in the goodbye."""
    person = conversations.person(CHANNEL, person_id)
    try:
        stored = await conversations.locale_of(person)
        if stored is None and lang is None:  # new: first the language, then the consent in it
            outcome = Outcome(None, (picker(locales, locale, translators(locale)),))
        elif stored is not None and lang is not None and lang != stored:
            outcome = await conversations.handle(person, chosen(lang, consented=True), lang)
        else:
            outcome = await conversations.handle(person, Start(), lang or locale)
        locale = lang or locale  # the language of a person who has not consented yet
        buttons = render(outcome, stdout)
        lines = _read_lines(stdin)
        while True:
            stdout.write("> ")
            stdout.flush()
            line = await lines.get()
            if line == "":
                break
            seq = outcome.state.seq if outcome.state is not None else 0
            inp = parse(line, buttons, seq)
            if isinstance(inp, Command) and inp.name == "language":
                current = outcome.state.locale if outcome.state is not None else locale
                outcome = Outcome(outcome.state, (picker(locales, current, translators(current)),))
            elif isinstance(inp, Command) and inp.name in INVITATION_COMMANDS:
                t = translators(outcome.state.locale if outcome.state is not None else locale)
                said = await _invitation_command(inp.name, invitations, t)
                now = await conversations.view(person) or await conversations.handle(person, Start(), locale)
                outcome = Outcome(now.state, (*said, *now.replies))
            elif isinstance(inp, Press) and inp.action == "lang" and inp.arg in locales:
                locale = inp.arg
                outcome = await conversations.handle(
                    person, chosen(locale, outcome.state is not None), locale
                )
            else:
                outcome = await conversations.handle(person, inp, locale)
            buttons = render(outcome, stdout)
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels this task, then raises KeyboardInterrupt
        await _say_goodbye(conversations, person, translators, locale, resume, stdout)
        raise
    await _say_goodbye(conversations, person, translators, locale, resume, stdout)


async def _say_goodbye(
    conversations: Conversations,
    person: str,
    translators: Callable[[str], Translator],
    locale: str,
    resume: str,
    stdout: TextIO,
) -> None:
    """In the language the person chose (stored once they consented; `locale` before that)."""
    stored = await _locale_of(conversations, person)
    stdout.write("\n" + goodbye(translators(stored or locale), resume) + "\n")
    stdout.flush()


async def _invitation_command(name: str, invitations: Invitations, t: Translator) -> list[Reply]:
    """The events can be read here; answering one, or subscribing, needs a messenger: a reminder, a
    moved date or a free seat is sent later, and a terminal is no address to send it to."""
    if name == "events":
        listed = await invitations.upcoming(t)
        return [Reply(reply.text) for reply in listed]  # without the RSVP buttons
    return [
        Reply(
            t._(
                "Einladungen zu Veranstaltungen kommen per Telegram oder im Web-Chat; hier im "
                "Terminal kann ich Ihnen keine schicken. Mit /events sehen Sie die nächsten "
                "Veranstaltungen."
            )
        )
    ]


async def _locale_of(conversations: Conversations, person: str) -> str | None:
    try:
        return await asyncio.shield(conversations.locale_of(person))
    except (asyncio.CancelledError, Exception):  # the database is away: the goodbye is still said
        return None


def _read_lines(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines from stdin via a daemon thread, so Ctrl-C never waits for a blocked read; "" is EOF."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while True:
            line = stdin.readline()
            loop.call_soon_threadsafe(queue.put_nowait, line)
            if line == "":
                return

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    return queue


def goodbye(t: Translator, resume: str) -> str:
    """The command stands on a line of its own, left to right, outside the translated sentence."""
    text = t._("Auf Wiedersehen! Ihr Stand ist gespeichert. Mit diesem Befehl geht es weiter:")
    return strip_marks(text) + "\n  " + resume


def resume_command(argv0: str, person_id: str) -> str:
    """The command line that resumes as `person_id`, with the program as it was started (a path to a
    virtual environment's script is not on everybody's PATH)."""
    return shlex.join([argv0, "chat", "--person", person_id])
