"""The real `mitsprache chat` process: a whole questionnaire through stdin, then the database."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

from sqlalchemy import select

from bot import catalogs
from bot.locales import translator
from bot.terminal import goodbye
from dialogs.bidi import MARKS, strip_marks
from storage.db import create_engine, session_factory
from storage.models import Answer, FieldCompletion, Participant
from tests.support.chat_driver import MITSPRACHE, Chat, buttons, chat_env, number_of, run_cli, run_cli_apart

FREE_TEXT = "Mehr Dolmetscherinnen in den Praxen, bitte."


async def answer_field(chat: Chat, screen: str) -> tuple[str, int]:
    """Answer every question with its first option (or a text) and send; returns (screen, count)."""
    for answered in range(60):
        if "Absenden" in screen:
            return await chat.send(number_of(screen, "Absenden")), answered
        assert re.search(r"Frage \d+ von \d+", screen), screen
        if "Schreiben Sie Ihre Antwort als Nachricht" in screen:
            screen = await chat.send(FREE_TEXT)
        elif "Fertig" in screen:
            await chat.send("1")  # toggle the first option
            screen = await chat.send(number_of(screen, "Fertig"))
        else:
            screen = await chat.send("1")
    raise AssertionError("the questionnaire did not end")


async def test_a_whole_questionnaire_lands_in_the_database(env: dict[str, str], db_url: str) -> None:
    chat, screen = await Chat.start(env)
    assert "Sind Sie einverstanden?" in screen
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    assert "Über Sie – Frage 1 von 5" in screen
    screen = await chat.send(number_of(screen, "Pankow"))
    for _ in range(4):
        screen = await chat.send(number_of(screen, "Keine Angabe"))
    screen = await chat.send(number_of(screen, "Absenden"))
    assert "Es gibt neun Themen" in screen
    screen = await chat.send(number_of(screen, "Gesundheit und Pflege"))
    assert "Gesundheit und Pflege – Frage 1 von" in screen
    screen, answered = await answer_field(chat, screen)
    assert "Weiter mit:" in screen
    code, rest = await chat.close_input()
    assert code == 0
    assert "Ihr Stand ist gespeichert" in rest

    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            participants = (await session.scalars(select(Participant))).all()
            answers = (await session.execute(select(Answer.field, Answer.question, Answer.value))).all()
            done = (await session.scalars(select(FieldCompletion.field))).all()
    finally:
        await engine.dispose()
    assert len(participants) == 1
    assert ("about", "bezirk", "pankow") in answers
    health = [a for a in answers if a[0] == "gesundheit"]
    assert len(health) == answered
    assert FREE_TEXT in [value for _, _, value in health]
    assert sorted(done) == ["about", "gesundheit"]


async def test_arabic_in_the_terminal_without_raw_marks_and_typed_labels_answer(env: dict[str, str]) -> None:
    """The direction marks of the chat's text (dialogs/bidi.py) are not printed; a person who types an
    option as she reads it on the screen (a keyboard writes no marks) answers with it."""
    t = translator("ar")
    chat, screen = await Chat.start(env, person="amal", lang="ar")
    agree = strip_marks(t._("Ja, einverstanden"))
    screen = await chat.send(number_of(screen, agree))
    screen = await chat.send(number_of(screen, strip_marks(t._("16 Jahre oder älter"))))
    not_in_berlin = strip_marks(t.p_("about.bezirk.nicht_in_berlin", "Ich wohne nicht in Berlin"))
    assert not_in_berlin in buttons(screen)
    screen = await chat.send(not_in_berlin)  # typed, not its number
    title = t.p_("about.short_title", "Über Sie")
    assert strip_marks(t._("{title} – Frage {number} von {total}", title=title, number=2, total=5)) in screen
    await chat.send("18–29")  # the age range, typed as it reads
    code, rest = await chat.close_input()
    assert code == 0
    assert not MARKS & set(chat.transcript), "raw direction marks in the terminal"
    bye = goodbye(t, f"{MITSPRACHE} chat --person amal")
    assert strip_marks(bye) == bye and bye in rest
    assert "Auf Wiedersehen" not in bye

    engine = create_engine(env["MITSPRACHE_DATABASE_URL"])
    try:
        async with session_factory(engine)() as session:
            answers = (await session.execute(select(Answer.question, Answer.value))).all()
    finally:
        await engine.dispose()
    assert sorted(answers) == [("alter", "a18_29"), ("bezirk", "nicht_in_berlin")]


async def test_killed_in_the_middle_resumes_exactly_there(env: dict[str, str]) -> None:
    chat, screen = await Chat.start(env, person="mira")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    for _ in range(5):
        screen = await chat.send(number_of(screen, "Keine Angabe"))
    screen = await chat.send(number_of(screen, "Absenden"))
    screen = await chat.send(number_of(screen, "Arbeit und Ausbildung"))
    screen = await chat.send("1")
    screen = await chat.send("1")
    where = re.findall(r"Arbeit und Ausbildung – Frage \d+ von \d+\n\n[^\n]+", screen)[-1]
    assert "Frage 3 von" in where
    await chat.kill()

    again, screen = await Chat.start(env, person="mira")
    assert "Willkommen zurück" in screen
    assert where in screen
    code, _ = await again.close_input()
    assert code == 0


async def test_another_person_starts_fresh(env: dict[str, str]) -> None:
    chat, screen = await Chat.start(env, person="one")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    await chat.send(number_of(screen, "16 Jahre oder älter"))
    await chat.close_input()
    other, screen = await Chat.start(env, person="two")
    assert "Sind Sie einverstanden?" in screen
    await other.close_input()


async def test_ctrl_c_ends_cleanly_with_state_saved(env: dict[str, str]) -> None:
    chat, screen = await Chat.start(env, person="sig")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    chat.proc.send_signal(signal.SIGINT)
    code = await asyncio.wait_for(chat.proc.wait(), 30)
    assert chat.proc.stdout is not None
    rest = (await chat.proc.stdout.read()).decode()
    assert code == 0
    assert rest.count("Ihr Stand ist gespeichert") == 1
    assert rest.rstrip().endswith(f"\n  {MITSPRACHE} chat --person sig")
    again, screen = await Chat.start(env, person="sig")
    assert "Über Sie – Frage 1 von 5" in screen
    await again.close_input()


async def test_chat_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path / "data")
    code, out = await run_cli(env, "chat")
    assert code == 2
    assert "mitsprache db upgrade" in out
    assert "Traceback" not in out


async def test_wrong_configuration_is_explained(tmp_path: Path) -> None:
    env = chat_env("mysql://localhost/x", tmp_path / "data")
    env["MITSPRACHE_LOG_LEVEL"] = "LOUD"
    code, out = await run_cli(env, "chat")
    assert code == 2
    assert "MITSPRACHE_DATABASE_URL" in out and "postgresql+asyncpg://" in out
    assert "MITSPRACHE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR" in out


async def test_lang_lists_the_codes_and_refuses_an_unknown_one(env: dict[str, str]) -> None:
    code, out = await run_cli(env, "chat", "--help")
    assert code == 0
    codes = ", ".join(catalogs.shipped_locales())  # a new catalog folder is listed with no code change
    assert "ar, de, en, fa, fa_AF, ku" in codes and codes in " ".join(out.split())
    code, out, err = await run_cli_apart(env, "chat", "--lang", "xx")
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == [f"mitsprache: unknown language 'xx' for --lang; use one of: {codes}"]


async def test_dari_in_the_terminal(env: dict[str, str]) -> None:
    """The picker names Dari دری next to فارسی; --lang takes fa-AF as browsers and phones write it."""
    t = translator("fa_AF")
    chat, screen = await Chat.start(env, person="maryam", lang=None)
    assert "دری" in buttons(screen) and "فارسی" in buttons(screen)
    screen = await chat.send(number_of(screen, "دری"))
    assert strip_marks(t._("Ja, einverstanden")) == "بلی، موافقم" and "بلی، موافقم" in buttons(screen)
    await chat.close_input()
    chat, screen = await Chat.start(env, person="zahra", lang="fa-AF")
    assert "بلی، موافقم" in buttons(screen)
    assert not MARKS & set(screen)
    await chat.close_input()


def question_number(screen: str) -> int:
    return int(re.findall(r"Frage (\d+) von \d+", screen)[-1])


async def test_moves_have_letters_so_option_numbers_cannot_move(env: dict[str, str]) -> None:
    """On a 1–5 scale with "Keine Angabe" (6), 7 to 9 are no options: refused, not taken as moves."""
    chat, screen = await Chat.start(env, person="scale")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    screen = await chat.send(buttons(screen)["Mitte"])
    assert "Über Sie – Frage 2 von 5" in screen
    assert {"Zurück": "z", "Pause": "p"}.items() <= buttons(screen).items()
    for _ in range(4):  # "Keine Angabe": the one way to decline in "about you"
        screen = await chat.send(number_of(screen, "Keine Angabe"))
    screen = await chat.send(number_of(screen, "Absenden"))
    screen = await chat.send(number_of(screen, "Gesundheit und Pflege"))
    for _ in range(40):
        if re.search(r"\[1\] 1 ", screen):  # a scale: "1 … Sehr schlecht" to "5 … Sehr gut"
            break
        if "Schreiben Sie Ihre Antwort als Nachricht" in screen:
            screen = await chat.send(FREE_TEXT)
        elif "Fertig" in screen:
            await chat.send("1")
            screen = await chat.send(number_of(screen, "Fertig"))
        else:
            screen = await chat.send("1")
    else:
        raise AssertionError("no scale question in the field")
    at = question_number(screen)
    for typed in ("7", "8", "9"):
        screen = await chat.send(typed)
        assert "Bitte tippen Sie auf eine der Antworten unten." in screen
        assert question_number(screen) == at
    screen = await chat.send("z")
    assert question_number(screen) < at
    screen = await chat.send("p")
    assert buttons(screen) == {"Weitermachen": "w", "Zur Übersicht": "m"}
    screen = await chat.send("w")
    assert question_number(screen) < at
    await chat.close_input()


async def test_review_numbers_are_the_question_numbers(env: dict[str, str]) -> None:
    chat, screen = await Chat.start(env, person="review")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    screen = await chat.send("1")
    for _ in range(4):
        screen = await chat.send(number_of(screen, "Keine Angabe"))
    assert "Ihre Antworten – Über Sie" in screen
    assert number_of(screen, "Absenden") == "a"
    for number in ("2", "5", "1"):
        assert f"[{number}] ✎" in screen
        screen = await chat.send(number)
        assert f"Über Sie – Frage {number} von 5" in screen
        for _ in range(6 - int(number)):
            if "Ihre Antworten – Über Sie" in screen:
                break
            screen = await chat.send("1")  # the first option, then on to the review
        assert "Ihre Antworten – Über Sie" in screen
    await chat.close_input()


async def test_a_new_person_picks_the_language_before_the_consent(env: dict[str, str]) -> None:
    en = translator("en")
    chat, screen = await Chat.start(env, person="lea", lang=None)
    assert "Bitte wählen Sie Ihre Sprache." in screen
    assert "Sind Sie einverstanden?" not in screen
    assert number_of(screen, "Deutsch") == "1"  # the default language first
    screen = await chat.send(number_of(screen, "English"))
    agree = en._("Ja, einverstanden")
    assert agree != "Ja, einverstanden" and agree in buttons(screen)
    screen = await chat.send("/language")  # before the consent too
    assert en._("Bitte wählen Sie Ihre Sprache.") in screen
    assert number_of(screen, "English") == "1"  # the current language first
    screen = await chat.send(number_of(screen, "Deutsch"))
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    assert "Über Sie – Frage 1 von 5" in screen
    code, rest = await chat.close_input()
    assert code == 0 and "Auf Wiedersehen!" in rest


async def test_language_any_time_keeps_the_place_and_the_goodbye_follows(env: dict[str, str]) -> None:
    en = translator("en")
    chat, screen = await Chat.start(env, person="omar")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    screen = await chat.send(number_of(screen, "Mitte"))
    assert "Über Sie – Frage 2 von 5" in screen
    screen = await chat.send("/language")
    assert "Bitte wählen Sie Ihre Sprache." in screen
    screen = await chat.send(number_of(screen, "English"))
    title = en.p_("about.short_title", "Über Sie")
    assert en._("{title} – Frage {number} von {total}", title=title, number=2, total=5) in screen
    code, rest = await chat.close_input()
    assert code == 0
    assert goodbye(en, f"{MITSPRACHE} chat --person omar") in rest

    # Started again with --lang, a returning person switches; without it, the language stays.
    again, screen = await Chat.start(env, person="omar", lang="de")
    assert "Über Sie – Frage 2 von 5" in screen
    await again.close_input()
    again, screen = await Chat.start(env, person="omar", lang=None)
    assert "Über Sie – Frage 2 von 5" in screen
    assert "Bitte wählen Sie Ihre Sprache." not in screen
    await again.close_input()


async def test_everything_help_lists_answers_in_the_terminal(env: dict[str, str]) -> None:
    """/events lists the events (to read: an answer to one needs a messenger, for reminders);
    /subscribe says where invitations come; neither is an unknown command, and the question stays."""
    code, out = await run_cli(env, "demo-data")
    assert code == 0, out
    chat, screen = await Chat.start(env, person="help")
    screen = await chat.send(number_of(screen, "Ja, einverstanden"))
    screen = await chat.send(number_of(screen, "16 Jahre oder älter"))
    help_screen = await chat.send("/help")
    listed = set(re.findall(r"^/(\w+)", help_screen, re.MULTILINE)) | set(
        re.findall(r", /(\w+)", help_screen)
    )
    assert {
        "fields",
        "pause",
        "language",
        "events",
        "subscribe",
        "privacy",
        "mydata",
        "delete",
        "help",
    } <= listed
    for command in sorted(listed):
        screen = await chat.send(f"/{command}")
        assert "Diesen Befehl kenne ich nicht" not in screen, command
        if command == "pause":
            await chat.send("w")
        elif command == "language":
            await chat.send(number_of(screen, "Deutsch"))
        elif command == "delete":
            await chat.send(number_of(screen, "Nein, behalten"))
    screen = await chat.send(number_of(screen, "▶️ Über Sie"))  # /fields left the questions
    screen = await chat.send("/events")
    assert "Einladung: Mitsprache-Treffen" in screen
    assert "Ich komme" not in screen and "Vielleicht" not in screen
    assert "Über Sie – Frage 1 von 5" in screen and number_of(screen, "Pankow")
    screen = await chat.send("/subscribe")
    assert "Telegram oder im Web-Chat" in screen and "Über Sie – Frage 1 von 5" in screen
    await chat.close_input()


async def test_ctrl_c_says_goodbye_in_the_language_picked(env: dict[str, str]) -> None:
    en = translator("en")
    chat, screen = await Chat.start(env, person="kim", lang=None)
    await chat.send(number_of(screen, "English"))  # not consented yet: nothing is stored
    chat.proc.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(chat.proc.wait(), 30) == 0
    assert chat.proc.stdout is not None
    rest = (await chat.proc.stdout.read()).decode()
    assert rest.strip() == goodbye(en, f"{MITSPRACHE} chat --person kim").strip()
