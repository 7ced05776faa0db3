"""The staff dialogs as pure state machines: creating or changing an event, and preparing a broadcast."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.locales import translator
from dialogs import broadcast_form as bf
from dialogs import event_form as ef
from dialogs.audience import Audience
from dialogs.events import EventDefinition
from dialogs.forms import FormInput, Pressed, Typed
from dialogs.i18n import Translator
from dialogs.messages import Reply

BERLIN = ZoneInfo("Europe/Berlin")
DE, AR = Translator(), translator("ar")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
FIELDS = [("arbeit", "Arbeit"), ("gesundheit", "Gesundheit")]
LANGS = [("de", "Deutsch"), ("ar", "Arabisch"), ("uk", "Ukrainisch")]
CTX = ef.FormContext(fields=FIELDS, languages=LANGS, now=NOW)
BCTX = bf.BroadcastContext(
    events=[(5, "Sprechstunde"), (9, "Nachbarschaftstreffen")], fields=FIELDS, languages=LANGS
)
REJECTED = "passt nicht mehr"

Answer = str | FormInput
# A complete new event, answer by answer (a plain string is typed, Pressed is a button).
NEW_EVENT: list[Answer] = [
    "Nachbarschaftstreffen", "Wir reden über Wohnen.", "24.12.2030 17:00", "19:00", "Rathaus Neukölln",
    Pressed("district:neukoelln"), Pressed("field:arbeit"), Pressed("field:gesundheit"),
    Pressed("field:arbeit"), Pressed("next"), Pressed("lang:ar"), Pressed("lang:uk"), Pressed("lang:ar"),
    Pressed("lang:ar"), Pressed("next"), "Rollstuhlgerecht", "30",
]  # fmt: skip


def values(prompt: Reply) -> list[str]:
    return [choice.arg for row in prompt.buttons for choice in row]


def as_input(answer: Answer) -> FormInput:
    return Typed(answer) if isinstance(answer, str) else answer


def event_step(form: ef.EventForm, answer: Answer, t: Translator = DE) -> ef.EventFormOutcome:
    """One answer, checking what every answer must keep: seq counts up and the state survives JSON."""
    out = ef.handle(form, as_input(answer), t, CTX)
    if out.form is not None:
        assert out.form.seq == form.seq + 1
        assert ef.EventForm.model_validate(out.form.model_dump(mode="json")) == out.form
    return out


def event_walk(answers: Sequence[Answer], form: ef.EventForm | None = None) -> ef.EventFormOutcome:
    out = ef.start(DE, CTX) if form is None else ef.EventFormOutcome(form)
    for answer in answers:
        assert out.form is not None, f"dialog ended before {answer!r}"
        out = event_step(out.form, answer)
    return out


def walk_to(step: str) -> ef.EventForm:
    out = ef.start(DE, CTX)
    for answer in NEW_EVENT:
        assert out.form is not None
        if out.form.step == step:
            break
        out = event_step(out.form, answer)
    assert out.form is not None and out.form.step == step
    return out.form


def broadcast_walk(answers: Sequence[Answer], ctx: bf.BroadcastContext = BCTX) -> bf.BroadcastFormOutcome:
    out = bf.start(DE, ctx)
    for answer in answers:
        assert out.form is not None, f"dialog ended before {answer!r}"
        before = out.form
        out = bf.handle(before, as_input(answer), DE, ctx)
        if out.form is not None:
            assert out.form.seq == before.seq + 1
            assert bf.BroadcastForm.model_validate(out.form.model_dump(mode="json")) == out.form
    return out


def existing_event() -> EventDefinition:
    return EventDefinition(
        title={"de": "Sprechstunde", "en": "Consultation"},
        description={"de": "Fragen zur Wohnung."},
        starts_at=datetime(2030, 6, 10, 15, 0, tzinfo=UTC),  # 17:00 in Berlin (summer time)
        ends_at=datetime(2030, 6, 10, 17, 0, tzinfo=UTC),
        place="Rathaus Mitte",
        district="mitte",
        fields=["wohnen"],
        interpreted=["ar"],
        accessibility={"de": "Aufzug"},
        capacity=20,
        status="published",
    )


# --- creating an event -------------------------------------------------------------------------------


@pytest.mark.parametrize(("button", "status"), [("publish", "published"), ("draft", "draft")])
def test_full_walk_saves_the_typed_event(button: str, status: str) -> None:
    out = event_walk(NEW_EVENT)
    assert out.form is not None and out.form.step == "confirm"
    preview = out.prompts[-1]
    assert "Einladung: Nachbarschaftstreffen" in preview.text
    assert "Wo: Rathaus Neukölln (Neukölln)" in preview.text
    assert values(preview) == ["publish", "draft", "back", "cancel"]

    done = event_step(out.form, Pressed(button))
    assert done.form is None and done.editing is None and done.prompts == []
    saved = done.saved
    assert saved is not None
    assert saved.title == {"de": "Nachbarschaftstreffen"}
    assert saved.description == {"de": "Wir reden über Wohnen."}
    start, end = saved.starts_at.astimezone(BERLIN), saved.ends_at.astimezone(BERLIN)
    assert (start.date().isoformat(), start.hour, start.minute) == ("2030-12-24", 17, 0)
    assert (end.date(), end.hour) == (start.date(), 19)
    assert (saved.place, saved.district, saved.online_url) == ("Rathaus Neukölln", "neukoelln", None)
    assert saved.fields == ["gesundheit"]  # "arbeit" was ticked twice
    assert saved.interpreted == ["uk", "ar"]  # "ar" ticked three times, last after "uk"
    assert saved.accessibility == {"de": "Rollstuhlgerecht"}
    assert (saved.capacity, saved.status) == (30, status)


@pytest.mark.parametrize(
    ("step", "typed", "problem"),
    [
        ("title", "x" * 201, "höchstens 200 Zeichen"),
        ("description", "x" * 2001, "höchstens 2000 Zeichen"),
        ("starts", "morgen abend", "Das Datum verstehe ich nicht"),
        ("starts", "24.11.2026 13:00", "Vergangenheit"),  # 12:00 UTC: that is "now" in Berlin
        ("starts", "01.06.2025 17:00", "Vergangenheit"),
        ("ends", "16:00", "Das Ende muss nach dem Beginn liegen"),
        ("ends", "17:00", "Das Ende muss nach dem Beginn liegen"),
        ("ends", "bald", "Bitte eine Uhrzeit"),
        ("where", "https://exa mple.org", "Dieser Link ist nicht gültig"),
        ("where", "x" * 201, "höchstens 200 Zeichen"),
        ("district", "Neukölln", "Bitte wählen Sie eine der Schaltflächen"),
        ("fields", "Arbeit", "Bitte wählen Sie eine der Schaltflächen"),
        ("accessibility", "x" * 501, "höchstens 500 Zeichen"),
        ("capacity", "0", "ganze Zahl ab 1"),
        ("capacity", "zehn", "ganze Zahl ab 1"),
        ("capacity", "-3", "ganze Zahl ab 1"),
        ("confirm", "ja", "Bitte wählen Sie eine der Schaltflächen"),
        ("title", "   ", "Bitte schreiben Sie etwas"),
    ],
)
def test_bad_input_keeps_the_step_says_why_and_loses_nothing(step: str, typed: str, problem: str) -> None:
    form = walk_to(step)
    out = event_step(form, typed)
    assert out.form is not None and out.saved is None
    assert out.form.step == step
    assert problem in out.prompts[0].text
    assert out.prompts[-1] == ef.prompt(form, DE, CTX)  # asked again
    assert out.form.model_dump(exclude={"seq"}) == form.model_dump(exclude={"seq"})


@pytest.mark.parametrize(
    ("typed", "hour", "minute"),
    [("24.12.30 18:00", 18, 0), ("24.12.2030, 18 Uhr", 18, 0), ("24.12.2030 18.30", 18, 30),
     ("2030-12-24 18:30", 18, 30)],
)  # fmt: skip
def test_other_ways_of_writing_a_moment(typed: str, hour: int, minute: int) -> None:
    out = event_step(walk_to("starts"), typed)
    assert out.form is not None and out.form.step == "ends" and out.form.starts_at is not None
    local = out.form.starts_at.astimezone(BERLIN)
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2030, 12, 24, hour, minute)


def test_capacity_with_a_superscript_digit_is_refused_not_a_crash() -> None:
    form = walk_to("capacity")
    out = event_step(form, "²")
    assert out.form is not None and out.form.step == "capacity" and out.form.capacity is None
    assert "ganze Zahl ab 1" in out.prompts[0].text


def test_an_online_link_skips_the_district_both_ways() -> None:
    form = walk_to("fields")  # place and district given; going back and giving a link replaces both
    assert (form.place, form.district) == ("Rathaus Neukölln", "neukoelln")
    out = event_walk([Pressed("back"), Pressed("back"), "https://example.org/treffen"], form)
    assert out.form is not None and out.form.step == "fields"
    assert (out.form.online_url, out.form.place, out.form.district) == (
        "https://example.org/treffen",
        None,
        None,
    )
    back = event_step(out.form, Pressed("back"))
    assert back.form is not None and back.form.step == "where"
    assert "Bisher: https://example.org/treffen" in back.prompts[0].text
    done = event_walk(
        [Pressed("keep"), Pressed("next"), Pressed("next"), Pressed("skip"), Pressed("skip")], back.form
    )
    assert done.form is not None and done.form.step == "confirm"
    saved = event_step(done.form, Pressed("publish")).saved
    assert saved is not None and str(saved.online_url) == "https://example.org/treffen"
    assert (saved.place, saved.district, saved.capacity, saved.accessibility) == (None, None, None, {})


@pytest.mark.parametrize(
    ("step", "previous"),
    [("description", "title"), ("where", "ends"), ("fields", "district"), ("capacity", "accessibility"),
     ("confirm", "capacity")],
)  # fmt: skip
def test_back_returns_to_the_previous_step_with_its_value(step: str, previous: str) -> None:
    form = walk_to(step)
    out = event_step(form, Pressed("back"))
    assert out.form is not None and out.form.step == previous
    assert out.form.model_dump(exclude={"seq", "step"}) == form.model_dump(exclude={"seq", "step"})
    assert "keep" in values(out.prompts[0])


def test_cancel_ends_the_dialog_without_saving() -> None:
    out = event_step(walk_to("where"), Pressed("cancel"))
    assert (out.form, out.saved) == (None, None)
    assert [p.text for p in out.prompts] == ["Abgebrochen. Nichts wurde gespeichert."]


def test_optional_steps_can_be_skipped_required_ones_cannot() -> None:
    skipped = event_step(walk_to("description"), Pressed("skip"))
    assert skipped.form is not None and skipped.form.step == "starts" and skipped.form.description == {}
    for step in ("title", "starts", "where"):
        form = walk_to(step)
        kept = event_step(form, Pressed("keep"))
        assert kept.form is not None and kept.form.step == step
        assert "Dieser Schritt braucht eine Angabe." in kept.prompts[0].text
        refused = event_step(form, Pressed("skip"))
        assert refused.form is not None and refused.form.step == step
        assert REJECTED in refused.prompts[0].text


# --- changing an event ---------------------------------------------------------------------------------


def test_editing_offers_keep_everywhere_and_moving_the_start_moves_the_end() -> None:
    out = ef.start(DE, CTX, existing=(7, existing_event()))
    assert "Beibehalten" in out.prompts[0].text
    assert out.form is not None and out.form.editing == 7 and out.form.title["de"] == "Sprechstunde"
    shown = {  # "ends" has already moved with the new start when it is asked
        "title": "Sprechstunde", "description": "Fragen zur Wohnung.", "where": "Rathaus Mitte",
        "starts": "Montag, 10. Juni 2030, 17:00", "ends": "Mittwoch, 12. Juni 2030, 20:00",
        "accessibility": "Aufzug", "capacity": "20",
    }  # fmt: skip
    form = out.form
    while form.step != "confirm":
        question = ef.prompt(form, DE, CTX)
        if form.step in shown:
            assert "Bisher: " + shown[form.step] in question.text
            assert ("Beibehalten", "keep") in [(c.label, c.arg) for c in question.buttons[0]]
        keeps = form.step in shown or form.step == "district"
        answer: Answer = "12.06.2030 18:00" if form.step == "starts" else Pressed("keep" if keeps else "next")
        moved = event_step(form, answer)
        assert moved.form is not None
        form = moved.form
    assert values(ef.prompt(form, DE, CTX)) == ["save", "back", "cancel"]
    done = event_step(form, Pressed("save"))
    assert done.form is None and done.editing == 7 and done.saved is not None
    saved = done.saved
    start, end = saved.starts_at.astimezone(BERLIN), saved.ends_at.astimezone(BERLIN)
    assert (start.day, start.hour, end.day, end.hour) == (12, 18, 12, 20)  # still two hours
    assert saved.title == {"de": "Sprechstunde", "en": "Consultation"}
    assert (saved.place, saved.district, saved.capacity, saved.status) == (
        "Rathaus Mitte",
        "mitte",
        20,
        "published",
    )
    assert (saved.fields, saved.interpreted) == (["wohnen"], ["ar"])


# --- every button works and fits ----------------------------------------------------------------------


def test_every_button_is_accepted_fits_callback_data_and_is_the_same_in_every_language() -> None:
    forms: list[ef.EventForm] = []
    for existing in (None, (7, existing_event())):
        out = ef.start(DE, CTX, existing=existing)
        keep, nxt = [Pressed("keep")], [Pressed("next")]
        for answer in NEW_EVENT if existing is None else keep * 6 + nxt * 2 + keep * 2:
            assert out.form is not None
            forms.append(out.form)
            out = event_step(out.form, answer)
        assert out.form is not None and out.form.step == "confirm"
        forms.append(out.form)
    assert {f.step for f in forms} == set(ef.STEPS)
    for form in forms:
        question = ef.prompt(form, DE, CTX)
        assert values(question) == values(ef.prompt(form, AR, CTX))
        for value in values(question):
            assert len(value.encode()) <= 40
            out = ef.handle(form, Pressed(value), DE, CTX)
            assert all(REJECTED not in p.text for p in out.prompts), (form.step, value)
            assert all("braucht eine Angabe" not in p.text for p in out.prompts), (form.step, value)


# --- broadcasts ---------------------------------------------------------------------------------------


def test_invitation_path_previews_then_sends_to_the_chosen_audience() -> None:
    assert values(bf.start(DE, BCTX).prompts[0]) == ["invitation", "message", "cancel"]
    out = broadcast_walk([Pressed("invitation")])
    assert out.form is not None and out.form.step == "event"
    assert values(out.prompts[0]) == ["event:5", "event:9", "back", "cancel"]
    out = broadcast_walk(
        [Pressed("invitation"), Pressed("event:9"), Pressed("district:mitte"), Pressed("district:pankow"),
         Pressed("district:mitte"), Pressed("next"), Pressed("field:arbeit"), Pressed("next"),
         Pressed("lang:ar"), Pressed("next")]
    )  # fmt: skip
    assert out.preview is True and out.prompts == [] and out.send is None
    assert out.form is not None and out.form.step == "confirm"
    done = bf.handle(out.form, Pressed("send"), DE, BCTX)
    assert done.form is None and done.send is not None
    assert (done.send.kind, done.send.event_id, done.send.text) == ("invitation", 9, {})
    assert done.send.audience() == Audience(("pankow",), ("arbeit",), ("ar",))


def test_message_path_with_an_arabic_translation() -> None:
    out = broadcast_walk([Pressed("message"), "Liebe Nachbarn, morgen ist Sprechstunde."])
    assert out.form is not None and out.form.step == "translations"
    assert values(out.prompts[0]) == ["lang:ar", "lang:uk", "next", "back", "cancel"]
    out = broadcast_walk([Pressed("message"), "Liebe Nachbarn, morgen ist Sprechstunde.", Pressed("lang:ar")])
    assert out.form is not None and out.form.step == "translation" and out.form.translating == "ar"
    assert "Schreiben Sie die Nachricht auf Arabisch." in out.prompts[0].text
    out = broadcast_walk(
        [Pressed("message"), "Liebe Nachbarn, morgen ist Sprechstunde.", Pressed("lang:ar"), "مرحبا"]
    )
    assert out.form is not None and out.form.step == "translations" and out.form.translating is None
    assert out.form.text == {"de": "Liebe Nachbarn, morgen ist Sprechstunde.", "ar": "مرحبا"}
    assert "Vorhanden: Deutsch, Arabisch." in out.prompts[0].text
    assert [c.label for c in out.prompts[0].buttons[0]] == ["☑ Arabisch", "☐ Ukrainisch"]
    sent = broadcast_walk(
        [Pressed("message"), "Hallo", Pressed("lang:ar"), "مرحبا", *[Pressed("next")] * 4, Pressed("send")]
    )
    assert sent.form is None and sent.send is not None
    assert (sent.send.kind, sent.send.event_id, sent.send.text) == (
        "message",
        None,
        {"de": "Hallo", "ar": "مرحبا"},
    )
    assert sent.send.audience() == Audience()


def test_over_long_message_is_refused_and_the_limit_itself_is_fine() -> None:
    out = broadcast_walk([Pressed("message"), "x" * (bf.MAX_MESSAGE + 1)])
    assert out.form is not None and out.form.step == "text" and out.form.text == {}
    assert f"höchstens {bf.MAX_MESSAGE} Zeichen" in out.prompts[0].text
    fits = broadcast_walk([Pressed("message"), "x" * bf.MAX_MESSAGE])
    assert fits.form is not None and fits.form.step == "translations" and len(fits.form.text["de"]) == 3500


def test_without_events_the_event_step_says_so_and_offers_only_navigation() -> None:
    out = broadcast_walk([Pressed("invitation")], bf.BroadcastContext([], FIELDS, LANGS))
    assert "keine veröffentlichte kommende Veranstaltung" in out.prompts[0].text
    assert values(out.prompts[0]) == ["back", "cancel"]
    stale = broadcast_walk(
        [Pressed("invitation"), Pressed("event:5")], bf.BroadcastContext([], FIELDS, LANGS)
    )
    assert stale.form is not None and stale.form.step == "event" and stale.form.event_id is None
    assert REJECTED in stale.prompts[0].text


@pytest.mark.parametrize(
    ("answers", "previous"),
    [
        ([Pressed("invitation"), Pressed("event:5")], "event"),
        ([Pressed("message"), "Hallo", Pressed("next")], "translations"),
    ],
)
def test_back_from_districts_depends_on_the_kind(answers: list[Answer], previous: str) -> None:
    out = broadcast_walk([*answers, Pressed("district:spandau"), Pressed("back")])
    assert out.form is not None and out.form.step == previous and out.form.districts == ["spandau"]


def test_typing_on_a_button_step_is_refused_and_cancel_ends() -> None:
    out = broadcast_walk(["Einladung"])
    assert out.form is not None and out.form.step == "kind"
    assert "Bitte wählen Sie eine der Schaltflächen." in out.prompts[0].text
    cancelled = broadcast_walk([Pressed("message"), "Hallo", Pressed("cancel")])
    assert (cancelled.form, cancelled.send) == (None, None)
    assert cancelled.prompts[0].text == "Abgebrochen. Nichts wurde gesendet."


def test_confirm_prompt_offers_send_only_when_someone_is_reached() -> None:
    assert values(bf.confirm_prompt(0, DE)) == ["back", "cancel"]
    three = bf.confirm_prompt(3, DE)
    assert values(three) == ["send", "back", "cancel"] and "an 3 Personen senden" in three.text
    assert "an 1 Person senden" in bf.confirm_prompt(1, DE).text


def test_every_broadcast_button_before_confirm_is_accepted_and_fits() -> None:
    paths: list[list[Answer]] = [
        [Pressed("invitation"), Pressed("event:5"), *[Pressed("next")] * 2],
        [Pressed("message"), "Hallo", Pressed("lang:uk"), "Привіт", Pressed("next")],
    ]
    steps = set()
    for path in paths:
        for length in range(len(path) + 1):
            form = broadcast_walk(path[:length]).form
            assert form is not None
            steps.add(form.step)
            for value in values(bf.prompt(form, DE, BCTX)):
                assert len(value.encode()) <= 40
                out = bf.handle(form, Pressed(value), DE, BCTX)
                assert all(REJECTED not in p.text for p in out.prompts), (form.step, value)
    assert steps == {"kind", "event", "text", "translations", "translation", "districts", "fields", "langs"}


def test_text_typed_at_confirm_shows_the_previews_and_confirmation_again() -> None:
    out = broadcast_walk([Pressed("invitation"), Pressed("event:5"), *[Pressed("next")] * 3, "ja, senden"])
    assert out.form is not None and out.form.step == "confirm"
    assert out.preview  # the shell then shows the previews and confirm_prompt() again
    assert [p.text for p in out.prompts] == ["Bitte wählen Sie eine der Schaltflächen."]
    assert all(not p.buttons for p in out.prompts)
    stale = bf.handle(out.form, Pressed("lang:ar"), DE, BCTX)
    assert stale.preview and stale.form is not None and stale.form.step == "confirm"
    sent = bf.handle(out.form, Pressed("send"), DE, BCTX)
    assert sent.send is not None and sent.send.event_id == 5
