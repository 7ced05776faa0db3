"""Right-to-left: left-to-right fragments and inserted values are isolated, with exact code points."""

from __future__ import annotations

from typing import ClassVar

import pytest

from dialogs.bidi import FSI, LRI, PDI, isolate_ltr
from dialogs.i18n import Translator


class _Arabic:
    """A tiny stand-in catalog, so the test does not depend on the shipped translation."""

    table: ClassVar[dict[str, str]] = {
        "{title} – Frage {number} von {total}": "{title} – السؤال {number} من {total}",
        "Ja": "نعم",
        "Schreiben Sie /fields für die Übersicht.": "اكتب /fields لرؤية القائمة.",
    }

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    def pgettext(self, context: str, message: str) -> str:
        return {"about.bezirk.friedrichshain": "Friedrichshain-Kreuzberg"}.get(context, message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("اكتب /fields للقائمة.", f"اكتب {LRI}/fields{PDI} للقائمة."),
        ("الحي Friedrichshain-Kreuzberg", f"الحي {LRI}Friedrichshain-Kreuzberg{PDI}"),
        (
            "في 24.11.2026 في Rathaus Charlottenburg.",
            f"في {LRI}24.11.2026{PDI} في {LRI}Rathaus Charlottenburg{PDI}.",
        ),
        ("السؤال 3/8", f"السؤال {LRI}3/8{PDI}"),
        ("الرابط https://www.berlin.de/lb/intmig/", f"الرابط {LRI}https://www.berlin.de/lb/intmig/{PDI}"),
        ("مركز العمل (Jobcenter)", f"مركز العمل ({LRI}Jobcenter{PDI})"),
        ("بدون لاتينية", "بدون لاتينية"),
    ],
)  # fmt: skip
def test_left_to_right_runs_are_isolated(text: str, expected: str) -> None:
    assert isolate_ltr(text) == expected


def test_existing_isolates_are_left_alone() -> None:
    text = f"السؤال {FSI}3{PDI} من {FSI}8{PDI}"
    assert isolate_ltr(text) == text


def test_rtl_translator_isolates_values_and_fragments() -> None:
    t = Translator("ar", _Arabic(), rtl=True)
    line = t._("{title} – Frage {number} von {total}", title="Über Sie", number=3, total=8)
    assert line == f"{FSI}Über Sie{PDI} – السؤال {FSI}3{PDI} من {FSI}8{PDI}"
    assert t._("Schreiben Sie /fields für die Übersicht.") == f"اكتب {LRI}/fields{PDI} لرؤية القائمة."
    assert t.p_("about.bezirk.friedrichshain", "x") == f"{LRI}Friedrichshain-Kreuzberg{PDI}"
    assert t._("Ja") == "نعم"


def test_ltr_translator_adds_nothing() -> None:
    t = Translator("de")
    assert t._("{title} – Frage {number} von {total}", title="Über Sie", number=3, total=8) == (
        "Über Sie – Frage 3 von 8"
    )
