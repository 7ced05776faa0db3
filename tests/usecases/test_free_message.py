"""A free message (a broadcast staff wrote) as its reader sees it: in their language, else German, and in a
right-to-left language every line laid out right to left with what staff wrote in order (python-bidi, an
independent Unicode bidi algorithm, lays out each line as a reader's screen does)."""

from __future__ import annotations

from bidi import get_base_level, get_display

from bot.delivery.compose import free_message
from bot.locales import translator
from dialogs.bidi import strip_marks
from storage.models import Broadcast

TEXT = {
    "de": "Die Beratung fällt aus. Fragen: +49 30 1234 oder @senat_berlin.",
    "ar": "تم إلغاء الاستشارة. اكتب /events للمواعيد\nالمدة 1,5 ساعة، والتكلفة 10,000 يورو\n#Berlin",
}


def test_an_arabic_free_message_reads_in_order_line_by_line() -> None:
    text = free_message(Broadcast(kind="message", text=TEXT), translator("ar")).text
    lines = text.split("\n")
    assert [strip_marks(line) for line in lines] == TEXT["ar"].split("\n")  # nothing added that shows
    assert all(get_base_level(line) == 1 for line in lines)
    shown = [strip_marks(str(get_display(line))) for line in lines]
    for whole in ("/events", "1,5", "10,000", "#Berlin"):
        assert any(whole in line for line in shown), whole


def test_the_german_text_for_a_persian_reader_keeps_its_order() -> None:
    text = free_message(Broadcast(kind="message", text=TEXT), translator("fa")).text
    assert get_base_level(text) == 1  # the reader's layout, with the German isolated inside it
    assert TEXT["de"] in strip_marks(str(get_display(text)))
    assert free_message(Broadcast(kind="message", text=TEXT), translator("de")).text == TEXT["de"]
