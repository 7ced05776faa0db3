"""The conversation engine: (state, input) -> (new state, replies, answer events). Pure: no I/O."""

from __future__ import annotations

from dialogs import scales, views
from dialogs.bidi import strip_marks
from dialogs.definitions import (
    ABOUT_ID,
    NO_ANSWER,
    SCALE_VALUES,
    AnswerValue,
    Catalogue,
    Question,
    Questionnaire,
)
from dialogs.i18n import Translator
from dialogs.messages import (
    CONSENT_ACTIONS,
    AnswerCleared,
    AnswerSet,
    Command,
    ConsentGiven,
    Event,
    FieldCompleted,
    Forgotten,
    Input,
    Outcome,
    Press,
    Reply,
    SetLocale,
    Start,
    Text,
    Unsupported,
)
from dialogs.privacy import PrivacyFacts
from dialogs.state import REVIEW, ConversationState, FieldProgress
from dialogs.visibility import first_open_question, hidden_answers, is_shown, previous_question


class Engine:
    """Stateless: one instance serves everybody; every call gets the person's state and language."""

    def __init__(self, catalogue: Catalogue, facts: PrivacyFacts | None = None) -> None:
        self.catalogue = catalogue
        self.facts = facts or PrivacyFacts()

    def handle(self, state: ConversationState | None, inp: Input, t: Translator) -> Outcome:
        if state is None:
            return self._before_consent(inp, t)
        turn = _Turn(self.catalogue, state.model_copy(deep=True), t, self.facts)
        turn.repair()
        turn.dispatch(inp)
        if turn.forget:
            return Outcome(None, tuple(turn.replies), (Forgotten(),))
        return Outcome(turn.state, tuple(turn.replies), tuple(turn.events))

    def view(self, state: ConversationState, t: Translator) -> list[Reply]:
        """What the person should see now, without changing anything."""
        turn = _Turn(self.catalogue, state.model_copy(deep=True), t, self.facts)
        turn.repair()
        turn.show_current()
        return turn.replies

    def _before_consent(self, inp: Input, t: Translator) -> Outcome:
        # Nothing about the person exists yet, and nothing may be stored until they agree: a field a
        # start link asked for travels in the consent buttons' arg until then. Consent needs two taps:
        # "yes", then the age. People under 16 need a parent's (or guardian's) agreement (GDPR art. 8,
        # § 8 BDSG does not lower the age for this), so they are asked to fetch one first; until a
        # consenting button is pressed nothing is stored.
        linked = self._linked_field(inp)
        facts = self.facts
        if isinstance(inp, Press) and inp.action in CONSENT_ACTIONS:
            state = ConversationState(locale=t.locale, seq=1, after_about=linked)
            turn = _Turn(self.catalogue, state, t, facts)
            turn.events.append(ConsentGiven(t.locale))
            turn.replies.append(Reply(t._("Danke! Sie können jetzt beginnen.")))
            turn.open_field(ABOUT_ID)
            return Outcome(turn.state, tuple(turn.replies), tuple(turn.events))
        if isinstance(inp, Press) and inp.action == "agree":
            return Outcome(None, (views.age_question(t, linked or ""),))
        if isinstance(inp, Press) and inp.action == "minor":
            return Outcome(None, (views.ask_parents(t, linked or ""),))
        if isinstance(inp, Press) and inp.action == "decline":
            return Outcome(None, (views.declined(t),))
        if (isinstance(inp, Press) and inp.action == "more") or (
            isinstance(inp, Command) and inp.name == "privacy"
        ):
            return Outcome(
                None, (views.privacy_details(t, facts), views.consent_request(t, facts, linked or ""))
            )
        if isinstance(inp, Command) and inp.name == "help":
            return Outcome(None, (views.help_text(t), views.consent_request(t, facts)))
        if isinstance(inp, Command) and inp.name in ("mydata", "delete"):
            return Outcome(None, (views.nothing_stored(t), views.consent_request(t, facts)))
        return Outcome(None, (views.welcome(t), views.consent_request(t, facts, linked or "")))

    def _linked_field(self, inp: Input) -> str | None:
        """The field a start link asked for (in `Start`, or in a consent button drawn for one); None
        when there is none, or it is no field of the catalogue."""
        if isinstance(inp, Start):
            wanted = inp.field
        elif isinstance(inp, Press) and inp.action in ("agree", "adult", "minor", "parents", "more"):
            wanted = inp.arg
        else:
            return None
        return wanted if wanted in self.catalogue.field_ids else None


class _Turn:
    """One step of one person's conversation; collects the replies and events it produces."""

    def __init__(
        self, catalogue: Catalogue, state: ConversationState, t: Translator, facts: PrivacyFacts
    ) -> None:
        self.catalogue = catalogue
        self.state = state
        self.t = t
        self.facts = facts
        self.replies: list[Reply] = []
        self.events: list[Event] = []
        self.forget = False

    # -- where are we ---------------------------------------------------------------------

    @property
    def questionnaire(self) -> Questionnaire | None:
        return self.catalogue.get(self.state.field) if self.state.field else None

    @property
    def fp(self) -> FieldProgress:
        assert self.state.field is not None
        return self.state.progress(self.state.field)

    def current_question(self) -> Question | None:
        q = self.questionnaire
        if q is None or self.state.mode != "field" or self.fp.current in (None, REVIEW):
            return None
        return q.question(self.fp.current or "")

    def repair(self) -> None:
        """Bring a state saved under older definitions back to a place that exists."""
        s = self.state
        for field_id in list(s.fields):
            if self.catalogue.get(field_id) is None:
                del s.fields[field_id]
        if s.after_about is not None and s.after_about not in self.catalogue.field_ids:
            s.after_about = None
        if s.field is not None and self.catalogue.get(s.field) is None:
            s.field, s.mode = None, "menu"
        if s.field is None:
            s.mode = "menu"
            return
        q = self.questionnaire
        assert q is not None
        fp = self.fp
        fp.answers = {
            question.id: value
            for question in q.questions
            if (value := _still_valid(question, fp.answers.get(question.id))) is not None
        }
        fp.skipped = [k for k in fp.skipped if q.question(k) is not None]
        current = q.question(fp.current or "")
        if current is not None and current.type == "multi":
            allowed = current.answer_ids()
            fp.selection = [v for v in fp.selection if v in allowed]
        if fp.current == REVIEW and first_open_question(q, fp) is None:
            return
        if current is None or is_shown(q, fp, current) is False:
            fp.current = first_open_question(q, fp) or REVIEW
            fp.selection = []
            s.seq += 1  # buttons drawn for the vanished question must not answer the new one

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, inp: Input) -> None:
        if isinstance(inp, Start):
            self.on_start(inp.field if inp.field in self.catalogue.field_ids else None)
        elif isinstance(inp, Command):
            self.on_command(inp.name)
        elif isinstance(inp, Press):
            self.on_press(inp)
        elif isinstance(inp, Text):
            self.on_text(inp.text)
        elif isinstance(inp, Unsupported):
            self.replies.append(views.unsupported(self.t))
            self.show_current()
        elif isinstance(inp, SetLocale):
            self.state.locale = inp.locale
            self.state.seq += 1
            self.show_current()

    def on_start(self, linked: str | None = None) -> None:
        """`linked`: a field a start link asks for; it opens now if the person has sent the "about
        you" block, otherwise that block comes first and the field right after it."""
        if linked is not None:
            if self.state.status(ABOUT_ID) == "done":
                self.open_field(linked)
            else:
                self.state.after_about = linked
                self.open_field(ABOUT_ID)
            return
        if self.state.mode == "paused":
            self.resume()
            return
        if self.state.mode == "field":
            self.replies.append(Reply(self.t._("Willkommen zurück! Hier geht es weiter.")))
        self.show_current()

    def on_command(self, name: str) -> None:
        t = self.t
        if name == "start":
            self.on_start()
        elif name in ("fields", "menu"):
            self.go_menu()
        elif name == "pause":
            self.pause()
        elif name == "help":
            self.replies.append(views.help_text(t))
            self.show_current()
        elif name == "privacy":
            self.state.seq += 1
            self.replies.append(views.privacy_details(t, self.facts, consented=True))
        elif name == "mydata":
            self.replies.append(views.my_data(self.catalogue, self.state, t))
        elif name == "delete":
            self.state.seq += 1
            self.replies.append(views.confirm_delete(t))
        else:
            self.replies.append(Reply(t._("Diesen Befehl kenne ich nicht.")))
            self.replies.append(views.help_text(t))

    def on_press(self, press: Press) -> None:
        if press.seq != self.state.seq:
            self.replies.append(views.stale(self.t))
            self.show_current()
            return
        action, arg = press.action, press.arg
        question = self.current_question()
        handled = True
        if action == "forget":
            self.forget = True
            self.replies.append(views.forgotten(self.t))
        elif action == "withdraw":
            self.state.seq += 1
            self.replies.append(views.confirm_delete(t=self.t))
        elif action == "keep":
            self.replies.append(Reply(self.t._("Gut, es bleibt alles gespeichert.")))
            self.state.seq += 1
            self.show_current()
        elif action == "open" and self.catalogue.get(arg) is not None:
            self.open_field(arg)
        elif action == "menu":
            self.go_menu()
        elif action == "pause" and self.state.mode == "field":
            self.pause()
        elif action == "resume" and self.state.mode == "paused":
            self.resume()
        elif action == "back" and self.state.mode == "field":
            handled = self.back()
        elif action == "send" and self.state.mode == "field" and self.fp.current == REVIEW:
            self.finish_field()
        elif action == "edit" and self.state.mode == "field" and self.fp.current == REVIEW:
            handled = self.edit(arg)
        elif question is not None:
            handled = self.on_question_press(question, action, arg)
        else:
            handled = False
        if not handled:
            # A forged button, or one from a view that no longer matches the state.
            self.replies.append(views.stale(self.t))
            self.show_current()

    def on_question_press(self, question: Question, action: str, arg: str) -> bool:
        if action == "pick" and question.type in ("single", "yesno", "scale"):
            value: AnswerValue | None = _parse_pick(question, arg)
            if value is None:
                return False
            self.answer(question, value)
            return True
        if action == "tog" and question.type == "multi" and arg in question.answer_ids():
            self.toggle(question, arg)
            return True
        if action == "done" and question.type == "multi":
            self.confirm_selection(question)
            return True
        if action == "skip" and question.optional:
            self.skip(question)
            return True
        return False

    def on_text(self, text: str) -> None:
        t = self.t
        question = self.current_question()
        if self.state.mode == "paused":
            self.replies.append(Reply(t._("Sie haben eine Pause gemacht.")))
            self.show_current()
            return
        if question is None:
            key = (
                t._("Bitte tippen Sie auf eine Antwort unten.")
                if self.state.mode == "field"
                else t._("Bitte wählen Sie ein Thema aus.")
            )
            self.replies.append(Reply(key))
            self.show_current()
            return
        assert self.questionnaire is not None
        value, error = _parse_text(f"{self.questionnaire.id}.{question.id}", question, text, t)
        if error is not None:
            self.replies.append(Reply(error))
            self.show_current()
            return
        assert value is not None
        if question.type == "multi":
            assert isinstance(value, str)
            self.toggle(question, value)
        else:
            self.answer(question, value)

    # -- moves ----------------------------------------------------------------------------

    def open_field(self, field_id: str) -> None:
        s = self.state
        s.field, s.mode = field_id, "field"
        if field_id != ABOUT_ID:
            s.after_about = None  # the person went to a field: the one a start link asked for waits no more
        q = self.questionnaire
        assert q is not None
        fp = self.fp
        s.seq += 1
        if fp.status == "not_started":
            fp.status = "in_progress"
            fp.current = first_open_question(q, fp) or REVIEW
            self.replies.append(Reply(self.t.p_(f"{q.id}.intro", q.intro)))
        elif fp.status == "done":
            fp.current = REVIEW
        self.enter_current()
        self.show_current()

    def go_menu(self) -> None:
        self.state.mode, self.state.field = "menu", None
        self.state.seq += 1
        self.show_current()

    def pause(self) -> None:
        if self.state.mode != "field":
            self.replies.append(Reply(self.t._("Es gibt gerade nichts zu pausieren.")))
            self.show_current()
            return
        self.state.mode = "paused"
        self.state.seq += 1
        self.show_current()

    def resume(self) -> None:
        self.state.mode = "field" if self.state.field else "menu"
        self.state.seq += 1
        self.show_current()

    def back(self) -> bool:
        q = self.questionnaire
        assert q is not None
        previous = previous_question(q, self.fp, self.fp.current)
        if previous is None:
            return False
        self.goto(previous.id)
        return True

    def edit(self, question_id: str) -> bool:
        q = self.questionnaire
        assert q is not None
        target = q.question(question_id)
        if target is None or is_shown(q, self.fp, target) is not True:
            return False
        self.goto(target.id)
        return True

    def goto(self, question_id: str) -> None:
        self.fp.current = question_id
        self.state.seq += 1
        self.enter_current()
        self.show_current()

    def enter_current(self) -> None:
        """Preload a multiple-choice selection with the earlier answer, so changing it is easy."""
        question = self.current_question()
        previous = self.fp.answers.get(question.id) if question else None
        self.fp.selection = list(previous) if isinstance(previous, list) else []

    def answer(self, question: Question, value: AnswerValue) -> None:
        q = self.questionnaire
        assert q is not None
        fp = self.fp
        fp.answers[question.id] = value
        if question.id in fp.skipped:
            fp.skipped.remove(question.id)
        self.events.append(AnswerSet(q.id, question.id, value))
        self.help_after(question)
        self.clear_hidden()
        self.advance()

    def skip(self, question: Question) -> None:
        fp = self.fp
        if question.id in fp.answers:
            # "Überspringen" moves on; it does not erase an answer given before (changing one's mind
            # means choosing another answer, or "Keine Angabe").
            self.advance(changed=False)
            return
        if question.id not in fp.skipped:
            fp.skipped.append(question.id)
        self.help_after(question)
        self.clear_hidden()
        self.advance()

    def help_after(self, question: Question) -> None:
        """Where to get help, after a question about discrimination or mental health; whatever the
        answer, since an answer is no reason to withhold it."""
        q = self.questionnaire
        assert q is not None
        if question.help_after:
            self.replies.append(Reply(self.t.p_(f"{q.id}.{question.id}.help_after", question.help_after)))

    def clear_hidden(self) -> None:
        """Drop answers to follow-up questions that an earlier change has made irrelevant."""
        q = self.questionnaire
        assert q is not None
        fp = self.fp
        for question in hidden_answers(q, fp):
            if fp.answers.pop(question.id, None) is not None:
                self.events.append(AnswerCleared(q.id, question.id))
            if question.id in fp.skipped:
                fp.skipped.remove(question.id)

    def advance(self, changed: bool = True) -> None:
        q = self.questionnaire
        assert q is not None
        self.fp.current = first_open_question(q, self.fp) or REVIEW
        self.fp.selection = []
        self.state.seq += 1
        if changed and self.fp.current == REVIEW and self.fp.status == "done":
            # A change to an already sent field is saved at once; show the review again.
            self.replies.append(Reply(self.t._("Ihre Änderung ist gespeichert.")))
        self.enter_current()
        self.show_current()

    def toggle(self, question: Question, option_id: str) -> None:
        selection = self.fp.selection
        exclusive = question.exclusive_ids()
        if option_id in selection:
            selection.remove(option_id)
        elif option_id in exclusive:
            selection[:] = [option_id]
        else:
            selection[:] = [v for v in selection if v not in exclusive]
            if len(selection) >= question.max_choices:
                self.replies.append(
                    Reply(
                        self.t.n_(
                            "Sie können höchstens {n} Antwort wählen.",
                            "Sie können höchstens {n} Antworten wählen.",
                            question.max_choices,
                        )
                    )
                )
                self.show_current()
                return
            selection.append(option_id)
        self.state.seq += 1
        self.show_current(replaces_pressed=True)

    def confirm_selection(self, question: Question) -> None:
        selection = self.fp.selection
        standalone = any(v in question.exclusive_ids() for v in selection)
        if not standalone and len(selection) < question.min_choices:
            self.replies.append(
                Reply(
                    self.t.n_(
                        "Bitte wählen Sie mindestens {n} Antwort.",
                        "Bitte wählen Sie mindestens {n} Antworten.",
                        question.min_choices,
                    )
                )
            )
            self.show_current()
            return
        order = question.answer_ids()
        self.answer(question, sorted(selection, key=order.index))

    def finish_field(self) -> None:
        q = self.questionnaire
        assert q is not None
        fp = self.fp
        fp.status, fp.current, fp.selection = "done", None, []
        self.events.append(FieldCompleted(q.id))
        self.state.mode, self.state.field = "menu", None
        self.state.seq += 1
        outro = self.t.p_(f"{q.id}.outro", q.outro)
        if q.id != ABOUT_ID:
            outro = f"{outro}\n\n{views.results_note(self.t)}"
        self.replies.append(Reply(outro))
        if q.id == ABOUT_ID:
            if self.state.after_about is not None:
                self.open_field(self.state.after_about)  # where the person's start link pointed
            else:
                self.show_current()
            return
        self.replies.append(views.field_finished(self.catalogue, self.state, q.id, self.t))

    # -- rendering ------------------------------------------------------------------------

    def show_current(self, replaces_pressed: bool = False) -> None:
        s, t = self.state, self.t
        if s.mode == "menu" or self.questionnaire is None:
            self.replies.append(views.menu(self.catalogue, s, t))
        elif s.mode == "paused":
            self.replies.append(views.paused(t))
        elif self.fp.current == REVIEW:
            self.replies.append(views.review(self.questionnaire, self.fp, t))
        else:
            question = self.current_question()
            assert question is not None
            self.replies.append(views.question(self.questionnaire, self.fp, question, t, replaces_pressed))


def _still_valid(question: Question, value: AnswerValue | None) -> AnswerValue | None:
    """An answer saved under older definitions, without options that no longer exist."""
    if value is None or question.type == "text":
        return value
    allowed = question.answer_ids()
    if isinstance(value, list):
        kept = [v for v in value if v in allowed]
        return kept or None
    return value if value in allowed else None


def _parse_pick(question: Question, arg: str) -> AnswerValue | None:
    if question.type == "scale" and arg.isascii() and arg.isdigit() and int(arg) in SCALE_VALUES:
        return int(arg)
    if arg in question.answer_ids():
        return arg
    return None


def _parse_text(
    ctx: str, question: Question, text: str, t: Translator
) -> tuple[AnswerValue | None, str | None]:
    """Typed input for the current question: (value, None) or (None, a helpful error)."""
    stripped = text.strip()
    if question.type == "text":
        if not strip_marks(stripped).strip():  # nothing but spaces or direction marks
            return None, t._("Bitte schreiben Sie Ihre Antwort als Text.")
        if len(stripped) > question.text_limit:
            return None, t._(
                "Ihr Text hat {length} Zeichen. Erlaubt sind höchstens {limit}. "
                "Bitte kürzen Sie ihn und senden Sie ihn noch einmal.",
                length=len(stripped),
                limit=question.text_limit,
            )
        return stripped, None
    if question.type == "scale":
        assert question.words is not None
        try:
            number = int(strip_marks(stripped))
        except ValueError:
            number = None
        if number in SCALE_VALUES:
            return number, None
        typed = _typable([stripped])
        # A typed word counts too ("gut"), in the person's language or in German.
        for candidates in (scales.words(question.words, t), scales.german_words(question.words)):
            for point, word in zip(SCALE_VALUES, candidates, strict=True):
                if typed and typed & _typable([word]):
                    return point, None
        labels = _typable(views.answer_labels(ctx, question, NO_ANSWER, t))
        if question.offers_no_answer and typed & labels:
            return NO_ANSWER, None
        return None, t._("Bitte tippen Sie auf eine der Antworten unten.")
    typed = _typable([stripped])
    for choice in question.answer_ids():
        assert isinstance(choice, str)
        if typed and typed & _typable(views.answer_labels(ctx, question, choice, t)):
            return choice, None
    return None, t._("Bitte tippen Sie auf eine der Antworten unten.")


def _typable(labels: list[str]) -> set[str]:
    """Labels as a person types them: without direction marks (a right-to-left label carries them,
    a keyboard does not; text copied from a message may), case and surrounding spaces."""
    return {text for label in labels if (text := strip_marks(label).strip().casefold())}
