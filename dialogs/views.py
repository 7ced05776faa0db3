"""The texts and buttons a person sees: menu, question, review, consent. Pure rendering."""

from __future__ import annotations

from dialogs.definitions import (
    ABOUT_ID,
    NO,
    NO_ANSWER,
    YES,
    AnswerValue,
    Catalogue,
    Question,
    Questionnaire,
)
from dialogs.i18n import Translator
from dialogs.messages import Button, Reply
from dialogs.state import ConversationState, FieldProgress
from dialogs.visibility import previous_question, progress, shown_map

_REVIEW_PREVIEW = 120  # characters of a free-text answer shown in the review


def welcome(t: Translator) -> Reply:
    return Reply(
        t._(
            "Willkommen bei Mitsprache! Hier können Sie dem Berliner Senat sagen, "
            "was Ihnen als geflüchteter Mensch in Berlin wichtig ist."
        )
    )


def consent_request(t: Translator, field: str = "") -> Reply:
    """`field`: the field a start link asked for; the buttons carry it, since nothing is stored yet."""
    return Reply(
        t._(
            "Bevor es losgeht: Wir speichern Ihre Antworten, Ihre Sprache und wo Sie im Fragebogen "
            "sind. Wir speichern sie unter einem Pseudonym, nie mit Ihrem Namen. Wozu: Die "
            "Arbeitsgruppen des Berliner Senats lesen die Antworten, aber nur anonym.\n\n"
            "Mit /mydata sehen Sie Ihre Daten, mit /delete löschen Sie jederzeit alles.\n\n"
            "Sind Sie einverstanden?"
        ),
        (
            (Button(t._("Ja, einverstanden"), "agree", field),),
            (Button(t._("Mehr erfahren"), "more", field),),
            (Button(t._("Nein"), "decline"),),
        ),
        topic="consent",
    )


def privacy_details(t: Translator, consented: bool = False) -> Reply:
    # Withdrawing consent deletes everything, so it leads to the same confirmation as /delete.
    buttons = ((Button(t._("Zustimmung widerrufen"), "withdraw"),),) if consented else ()
    return Reply(
        t._(
            "Datenschutz bei Mitsprache\n\n"
            "Was wir speichern: Ihre Antworten, Ihre Sprache und wo Sie im Fragebogen sind. "
            "Statt Ihrer Nutzerkennung speichern wir ein Pseudonym. "
            "Ihren Namen und Ihre Telefonnummer speichern wir nicht.\n\n"
            "Wozu: Die Arbeitsgruppen des Berliner Senats zu den neun Handlungsfeldern lesen die Antworten. "
            "Sie bekommen sie anonym: ohne Pseudonym, und seltene Kombinationen werden ausgeblendet. "
            "Telefonnummern und Adressen in Ihren Texten werden vorher entfernt.\n\n"
            "Ihre Rechte: Sie können Ihre Daten jederzeit ansehen und alles löschen."
        ),
        buttons,
        topic="privacy",
    )


def declined(t: Translator) -> Reply:
    return Reply(
        t._(
            "In Ordnung. Wir speichern nichts über Sie. "
            "Wenn Sie es sich anders überlegen, schreiben Sie einfach /start."
        )
    )


def help_text(t: Translator) -> Reply:
    return Reply(
        t._(
            "So funktioniert Mitsprache: Wählen Sie ein Handlungsfeld und beantworten Sie die Fragen "
            "mit den Schaltflächen. Sie können jederzeit eine Pause machen und später weitermachen.\n\n"
            "/fields – Übersicht der Handlungsfelder\n"
            "/pause – Pause machen\n"
            "/language – Sprache wählen\n"
            "/events – Veranstaltungen, /subscribe – Einladungen bekommen\n"
            "/privacy – Datenschutz\n"
            "/mydata – Ihre gespeicherten Daten ansehen\n"
            "/delete – alle Ihre Daten löschen\n"
            "/help – diese Hilfe"
        )
    )


def technical_problem(t: Translator) -> Reply:
    """The database (or the network to it) is away: the person should come back, nothing is lost."""
    return Reply(
        t._(
            "Gerade gibt es eine technische Störung. Ihre bisherigen Antworten sind sicher. "
            "Bitte versuchen Sie es in ein paar Minuten noch einmal."
        )
    )


def something_went_wrong(t: Translator) -> Reply:
    return Reply(t._("Entschuldigung, da ist etwas schiefgelaufen. Bitte versuchen Sie es noch einmal."))


def nothing_stored(t: Translator) -> Reply:
    return Reply(t._("Über Sie ist nichts gespeichert."))


def confirm_delete(t: Translator) -> Reply:
    return Reply(
        t._(
            "Möchten Sie wirklich alles löschen? Ihre Antworten und Ihr Stand werden sofort und "
            "endgültig gelöscht."
        ),
        ((Button(t._("Ja, alles löschen"), "forget"),), (Button(t._("Nein, behalten"), "keep"),)),
    )


def forgotten(t: Translator) -> Reply:
    return Reply(
        t._(
            "Alles ist gelöscht. Wir speichern nichts mehr über Sie. "
            "Mit /start können Sie jederzeit neu beginnen."
        )
    )


def my_data(catalogue: Catalogue, state: ConversationState, t: Translator) -> Reply:
    lines = [
        t._("Das ist über Sie gespeichert (unter einem Pseudonym, ohne Namen):"),
        t._("Sprache: {language}", language=t.language_name),
    ]
    for q in catalogue.all():
        fp = state.fields.get(q.id)
        if fp is None or not fp.answers:
            continue
        lines += ["", t.p_(f"{q.id}.title", q.title)]
        for question in q.questions:
            if question.id in fp.answers:
                ctx = f"{q.id}.{question.id}"
                answer = describe_answer(ctx, question, fp.answers[question.id], t)
                lines.append(f"• {t.p_(ctx, question.text)}\n  {t.arrow} {answer}")
    if len(lines) == 2:
        lines += ["", t._("Sie haben noch keine Fragen beantwortet.")]
    lines += ["", t._("Mit /delete löschen Sie alles.")]
    return Reply(t.lines(lines))


def stale(t: Translator) -> Reply:
    return Reply(t._("Diese Schaltfläche ist nicht mehr aktuell. Hier ist der aktuelle Stand:"))


def unsupported(t: Translator) -> Reply:
    return Reply(
        t._(
            "Das kann ich leider nicht lesen. Bitte antworten Sie mit den Schaltflächen "
            "oder mit einer Textnachricht."
        )
    )


def paused(t: Translator) -> Reply:
    return Reply(
        t._("Pause. Ihre Antworten sind gespeichert. Sie können jederzeit weitermachen."),
        ((Button(t._("Weitermachen"), "resume"),), (Button(t._("Zur Übersicht"), "menu"),)),
    )


def status_label(catalogue: Catalogue, state: ConversationState, field_id: str, t: Translator) -> str:
    q = catalogue.get(field_id)
    assert q is not None
    title = t.p_(f"{q.id}.short_title", q.short_title)
    status = state.status(field_id)
    if status == "done":
        return t._("✅ {title}", title=title)
    if status == "in_progress":
        return t._("▶️ {title}", title=title)
    return title


def menu(catalogue: Catalogue, state: ConversationState, t: Translator) -> Reply:
    rows = [(Button(status_label(catalogue, state, q.id, t), "open", q.id),) for q in catalogue.fields]
    rows.append((Button(status_label(catalogue, state, ABOUT_ID, t), "open", ABOUT_ID),))
    done = sum(1 for q in catalogue.fields if state.status(q.id) == "done")
    return Reply(
        t._(
            "Die neun Handlungsfelder. Wählen Sie eines aus.\n"
            "✅ = fertig, ▶️ = begonnen.\n"
            "Fertig: {done} von {total}",
            done=done,
            total=len(catalogue.fields),
        ),
        tuple(rows),
    )


def field_finished(catalogue: Catalogue, state: ConversationState, field_id: str, t: Translator) -> Reply:
    ids = catalogue.field_ids
    start = ids.index(field_id) + 1
    following = [f for f in ids[start:] + ids[:start] if state.status(f) != "done"]
    rows: list[tuple[Button, ...]] = []
    if following:
        nxt = catalogue.get(following[0])
        assert nxt is not None
        title = t.p_(f"{nxt.id}.short_title", nxt.short_title)
        rows.append((Button(t._("Weiter mit: {title}", title=title), "open", nxt.id),))
        text = t._("Möchten Sie mit dem nächsten Handlungsfeld weitermachen?")
    else:
        text = t._("Sie haben alle neun Handlungsfelder beantwortet. Vielen Dank!")
    rows.append((Button(t._("Zur Übersicht"), "menu"),))
    return Reply(text, tuple(rows))


def answer_labels(ctx: str, question: Question, value: str, t: Translator) -> list[str]:
    """Labels a person may see (or type) for one answer id: translated first, then German."""
    if value == NO_ANSWER:
        return [t._("Keine Angabe"), "Keine Angabe"]
    if value == YES:
        return [t._("Ja"), "Ja"]
    if value == NO:
        return [t._("Nein"), "Nein"]
    german = question.option_label(value) or value
    return [t.p_(f"{ctx}.{value}", german), german]


def describe_answer(ctx: str, question: Question, value: AnswerValue, t: Translator) -> str:
    if isinstance(value, list):
        return t.join(answer_labels(ctx, question, v, t)[0] for v in value)
    if isinstance(value, int):
        return t._("{value} von 5", value=value)
    if question.type == "text":  # the person's own words: isolated like any text from outside
        return t.isolate(value if len(value) <= _REVIEW_PREVIEW else value[:_REVIEW_PREVIEW] + "…")
    return answer_labels(ctx, question, value, t)[0]


def question(
    q: Questionnaire, fp: FieldProgress, question: Question, t: Translator, replaces_pressed: bool
) -> Reply:
    ctx = f"{q.id}.{question.id}"
    number, total = progress(q, fp, question.id)
    lines = [
        t._(
            "{title} – Frage {number} von {total}",
            title=t.p_(f"{q.id}.short_title", q.short_title),
            number=number,
            total=total,
        ),
        "",
        t.p_(ctx, question.text),
    ]
    rows: list[tuple[Button, ...]] = []
    previous = fp.answers.get(question.id)
    if question.type == "scale":
        assert question.low and question.high
        lines.append(
            t._(
                "1 = {low}, 5 = {high}",
                low=t.p_(f"{ctx}.low", question.low),
                high=t.p_(f"{ctx}.high", question.high),
            )
        )
        rows.append(tuple(Button(_mark(str(v), previous == v), "pick", str(v)) for v in range(1, 6)))
    elif question.type == "multi":
        lines.append(
            t.n_(
                "Sie können bis zu {n} Antwort wählen. Tippen Sie danach auf „Fertig“.",
                "Sie können bis zu {n} Antworten wählen. Tippen Sie danach auf „Fertig“.",
                question.max_choices,
            )
        )
        for value in question.answer_ids():
            assert isinstance(value, str)
            box = "☑" if value in fp.selection else "☐"
            label = answer_labels(ctx, question, value, t)[0]
            rows.append((Button(f"{box} {label}", "tog", value),))
        rows.append((Button(t._("Fertig"), "done"),))
    elif question.type == "text":
        lines.append(
            t._(
                "Schreiben Sie Ihre Antwort als Nachricht (höchstens {limit} Zeichen).",
                limit=question.text_limit,
            )
        )
    if question.type in ("single", "yesno"):
        for value in question.answer_ids():
            assert isinstance(value, str)
            label = answer_labels(ctx, question, value, t)[0]
            rows.append((Button(_mark(label, previous == value), "pick", value),))
    elif question.type == "scale" and question.offers_no_answer:
        rows.append((Button(_mark(t._("Keine Angabe"), previous == NO_ANSWER), "pick", NO_ANSWER),))
    if previous is not None:
        lines.append(
            t._(
                "Ihre bisherige Antwort: {answer}",
                answer=describe_answer(ctx, question, previous, t),
            )
        )
    nav: list[Button] = []
    if previous_question(q, fp, question.id) is not None:
        nav.append(Button(t._("Zurück"), "back"))
    if question.optional:
        nav.append(Button(t._("Überspringen"), "skip"))
    nav.append(Button(t._("Pause"), "pause"))
    rows.append(tuple(nav))
    return Reply(
        t.lines(lines),
        tuple(rows),
        replaces_pressed=replaces_pressed,
        expects_text=question.type == "text",
    )


def review(q: Questionnaire, fp: FieldProgress, t: Translator) -> Reply:
    shown = shown_map(q, fp)
    lines = [t._("Ihre Antworten – {title}", title=t.p_(f"{q.id}.short_title", q.short_title)), ""]
    edit_buttons: list[Button] = []
    number = 0
    for question in q.questions:
        if shown[question.id] is not True:
            continue
        number += 1
        value = fp.answers.get(question.id)
        ctx = f"{q.id}.{question.id}"
        answer = describe_answer(ctx, question, value, t) if value is not None else t._("(übersprungen)")
        lines.append(f"{number}. {t.p_(ctx, question.text)}")
        lines.append(f"   {t.arrow} {answer}")
        edit_buttons.append(Button(t._("✎ {number}", number=number), "edit", question.id))
    lines += [
        "",
        t._("Möchten Sie etwas ändern? Tippen Sie auf die Nummer. Sonst tippen Sie auf „Absenden“."),
    ]
    rows: list[tuple[Button, ...]] = [(Button(t._("Absenden"), "send"),)]
    rows += [tuple(edit_buttons[i : i + 5]) for i in range(0, len(edit_buttons), 5)]
    rows.append((Button(t._("Zurück"), "back"), Button(t._("Pause"), "pause")))
    return Reply(t.lines(lines), tuple(rows))


def _mark(label: str, selected: bool) -> str:
    return f"✓ {label}" if selected else label
