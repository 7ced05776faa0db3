"""The texts and buttons a person sees: menu, question, review, consent. Pure rendering."""

from __future__ import annotations

from dialogs import scales
from dialogs.definitions import (
    ABOUT_ID,
    NO,
    NO_ANSWER,
    SCALE_VALUES,
    YES,
    AnswerValue,
    Catalogue,
    Question,
    Questionnaire,
)
from dialogs.i18n import Translator
from dialogs.messages import Button, Reply
from dialogs.privacy import PrivacyFacts
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


def _retention(t: Translator, facts: PrivacyFacts) -> str:
    return t.n_(
        "Nach {n} Monat ohne Antwort von Ihnen löschen wir alles.",
        "Nach {n} Monaten ohne Antwort von Ihnen löschen wir alles.",
        facts.retention_months,
    )


def consent_request(t: Translator, facts: PrivacyFacts | None = None, field: str = "") -> Reply:
    """Short: what is stored, what the answers can and cannot do, who is responsible, how long. The
    details are on the "Mehr erfahren" page. `field`: the field a start link asked for; the buttons
    carry it, since nothing is stored yet."""
    facts = facts or PrivacyFacts()
    main = t._(
        "Bevor es losgeht:\n"
        "• Wir speichern Ihre Antworten und Ihre Sprache. Ihren Namen speichern wir nicht.\n"
        "• Ihre Antworten haben keine Folgen für Ihr Asylverfahren, Ihren Aufenthalt "
        "oder Ihr Geld vom Amt.\n"
        "• Das BAMF, die Ausländerbehörde (LEA), das Jobcenter und die Polizei bekommen "
        "Ihre Antworten nie.\n"
        "• Verantwortlich für Ihre Daten: {controller}",
        controller=facts.controller,
    )
    rights = t._("Mit /mydata sehen Sie Ihre Daten. Mit /delete löschen Sie alles, jederzeit.")
    question = t._("Sind Sie einverstanden?")
    return Reply(
        t.lines([main, f"• {_retention(t, facts)}", "", rights, "", question]),
        (
            (Button(t._("Ja, einverstanden"), "agree", field),),
            (Button(t._("Mehr erfahren"), "more", field),),
            (Button(t._("Nein"), "decline"),),
        ),
        topic="consent",
    )


def age_question(t: Translator, field: str = "") -> Reply:
    """After "yes": people under 16 need a parent's agreement before anything is stored."""
    return Reply(
        t._("Wie alt sind Sie?"),
        (
            (Button(t._("16 Jahre oder älter"), "adult", field),),
            (Button(t._("Jünger als 16 Jahre"), "minor", field),),
        ),
    )


def ask_parents(t: Translator, field: str = "") -> Reply:
    return Reply(
        t._(
            "Sie sind jünger als 16 Jahre. Dann müssen Ihre Eltern zustimmen. "
            "Oder die Person, die für Sie sorgt, zum Beispiel Ihr Vormund.\n\n"
            "Bitte zeigen Sie diese Nachricht Ihren Eltern. "
            "Bis dahin speichern wir nichts über Sie.\n\n"
            "Sind Ihre Eltern einverstanden?"
        ),
        (
            (Button(t._("Ja, meine Eltern sind einverstanden"), "parents", field),),
            (Button(t._("Mehr erfahren"), "more", field),),
            (Button(t._("Nein"), "decline"),),
        ),
    )


def privacy_details(t: Translator, facts: PrivacyFacts | None = None, consented: bool = False) -> Reply:
    facts = facts or PrivacyFacts()
    # Withdrawing consent deletes everything, so it leads to the same confirmation as /delete.
    buttons = ((Button(t._("Zustimmung widerrufen"), "withdraw"),),) if consented else ()
    details = t._(
        "Datenschutz bei Mitsprache\n\n"
        "Was wir speichern: Ihre Antworten, Ihre Sprache und bis wohin Sie gekommen sind. "
        "Ihren Namen und Ihre Telefonnummer speichern wir nicht. "
        "Statt Ihres Namens speichern wir eine Nummer. Nur der Chat kennt diese Nummer.\n\n"
        "Wer die Antworten liest: die Arbeitsgruppen des Berliner Senats für die neun Themen. "
        "Sie bekommen die Antworten ohne Namen und ohne Nummer. Seltene Angaben verstecken wir, "
        "damit niemand Sie erkennt. Telefonnummern und Adressen in Ihren Texten löschen wir vorher.\n\n"
        "Was die Antworten nicht tun: Sie haben keine Folgen für Ihr Asylverfahren, Ihren Aufenthalt "
        "oder Ihr Geld vom Amt. Das BAMF, die Ausländerbehörde (LEA), das Jobcenter und die Polizei "
        "bekommen Ihre Antworten nie.\n\n"
        "Verantwortlich für Ihre Daten: {controller}",
        controller=facts.controller,
    )
    rights = t._(
        "Ihre Rechte: Sie können Ihre Daten jederzeit ansehen (/mydata) und alles löschen (/delete)."
    )
    return Reply(f"{details}\n{_retention(t, facts)}\n\n{rights}", buttons, topic="privacy")


def declined(t: Translator) -> Reply:
    return Reply(
        t._(
            "In Ordnung. Wir speichern nichts über Sie. "
            "Sie möchten doch mitmachen? Dann schreiben Sie /start."
        )
    )


def help_text(t: Translator) -> Reply:
    return Reply(
        t._(
            "So geht Mitsprache: Wählen Sie ein Thema. Dann tippen Sie auf Ihre Antworten. "
            "Sie können jederzeit eine Pause machen und später weitermachen.\n\n"
            "/fields – alle Themen\n"
            "/pause – Pause machen\n"
            "/language – Sprache wählen\n"
            "/events – Veranstaltungen, /subscribe – Einladungen bekommen\n"
            "/privacy – Datenschutz\n"
            "/mydata – Ihre gespeicherten Daten ansehen\n"
            "/delete – alle Ihre Daten löschen\n"
            "/help – diese Hilfe"
        )
    )


def results_note(t: Translator) -> str:
    """Under every field's outro: how people hear what became of their answers."""
    return t._(
        "Über die Ergebnisse sprechen wir bei Veranstaltungen. "
        "Mit /subscribe bekommen Sie Einladungen und Neuigkeiten hier im Chat."
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
        t._("Das haben wir über Sie gespeichert. Ihr Name ist nicht dabei."),
        t._("Sprache: {language}", language=t.language_name),
    ]
    for q in catalogue.all():
        fp = state.fields.get(q.id)
        if fp is None or not fp.answers:
            continue
        lines += ["", t.p_(q.title_context, q.shown_title)]
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
    return Reply(t._("Dieser Knopf ist nicht mehr aktuell. Hier ist der aktuelle Stand:"))


def unsupported(t: Translator) -> Reply:
    return Reply(
        t._(
            "Das kann ich leider nicht lesen. Bitte tippen Sie auf eine Antwort "
            "oder schreiben Sie eine Nachricht."
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
            "Es gibt neun Themen. Wählen Sie ein Thema aus.\n"
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
        text = t._("Möchten Sie mit dem nächsten Thema weitermachen?")
    else:
        text = t._("Sie haben alle neun Themen beantwortet. Vielen Dank!")
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
        assert question.words is not None
        return scales.label(question.words, value, t)
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
        # One button a row, each with its number, word and maybe a face: no "1 = ..., 5 = ..." to read.
        assert question.words is not None
        for v in SCALE_VALUES:
            rows.append((Button(_mark(scales.label(question.words, v, t), previous == v), "pick", str(v)),))
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
