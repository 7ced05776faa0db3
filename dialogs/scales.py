"""The words on the five buttons of a scale question, so that nobody has to read "1 = ..., 5 = ...".

A scale question names its kind (`words: gut` in the YAML). Each point carries its number, a word and,
where a feeling is asked for, a face. The numbers 1–5 are what is stored and exported.
"""

from __future__ import annotations

from typing import Protocol

# Kind -> whether the buttons carry faces. Faces help where the scale is a feeling (good/bad, safe,
# satisfied, welcome); on "how much do you know" or "how much do you trust" a face would judge.
SCALE_KINDS: dict[str, bool] = {
    "gut": True,
    "zufrieden": True,
    "sicher": True,
    "willkommen": True,
    "wissen": False,
    "wichtig": False,
    "sehr": False,
}
FACES = ("😞", "🙁", "😐", "🙂", "😀")


class _Translates(Protocol):
    def p_(self, context: str, message: str) -> str: ...


def words(kind: str, t: _Translates) -> tuple[str, str, str, str, str]:
    """The five words of a scale kind, 1 to 5, in the person's language (context `scale.<kind>.<n>`)."""
    if kind == "gut":
        return (
            t.p_("scale.gut.1", "Sehr schlecht"),
            t.p_("scale.gut.2", "Schlecht"),
            t.p_("scale.gut.3", "Mittel"),
            t.p_("scale.gut.4", "Gut"),
            t.p_("scale.gut.5", "Sehr gut"),
        )
    if kind == "zufrieden":
        return (
            t.p_("scale.zufrieden.1", "Sehr unzufrieden"),
            t.p_("scale.zufrieden.2", "Unzufrieden"),
            t.p_("scale.zufrieden.3", "Mittel"),
            t.p_("scale.zufrieden.4", "Zufrieden"),
            t.p_("scale.zufrieden.5", "Sehr zufrieden"),
        )
    if kind == "sicher":
        return (
            t.p_("scale.sicher.1", "Sehr unsicher"),
            t.p_("scale.sicher.2", "Unsicher"),
            t.p_("scale.sicher.3", "Mittel"),
            t.p_("scale.sicher.4", "Sicher"),
            t.p_("scale.sicher.5", "Sehr sicher"),
        )
    if kind == "willkommen":
        return (
            t.p_("scale.willkommen.1", "Gar nicht willkommen"),
            t.p_("scale.willkommen.2", "Wenig willkommen"),
            t.p_("scale.willkommen.3", "Mittel"),
            t.p_("scale.willkommen.4", "Willkommen"),
            t.p_("scale.willkommen.5", "Sehr willkommen"),
        )
    if kind == "wissen":
        return (
            t.p_("scale.wissen.1", "Gar nicht"),
            t.p_("scale.wissen.2", "Wenig"),
            t.p_("scale.wissen.3", "Mittel"),
            t.p_("scale.wissen.4", "Gut"),
            t.p_("scale.wissen.5", "Sehr gut"),
        )
    if kind == "wichtig":
        return (
            t.p_("scale.wichtig.1", "Gar nicht wichtig"),
            t.p_("scale.wichtig.2", "Wenig wichtig"),
            t.p_("scale.wichtig.3", "Mittel"),
            t.p_("scale.wichtig.4", "Wichtig"),
            t.p_("scale.wichtig.5", "Sehr wichtig"),
        )
    if kind == "sehr":
        return (
            t.p_("scale.sehr.1", "Gar nicht"),
            t.p_("scale.sehr.2", "Wenig"),
            t.p_("scale.sehr.3", "Mittel"),
            t.p_("scale.sehr.4", "Viel"),
            t.p_("scale.sehr.5", "Sehr viel"),
        )
    raise ValueError(f"unknown scale kind '{kind}'")


def german_words(kind: str) -> tuple[str, str, str, str, str]:
    """The German words, for exports and for typed answers in German."""
    return words(kind, _German())


def label(kind: str, value: int, t: _Translates) -> str:
    """A button's label: the number, a face where it helps, the word ("4 🙂 Gut")."""
    word = words(kind, t)[value - 1]
    face = f" {FACES[value - 1]}" if SCALE_KINDS[kind] else ""
    return f"{value}{face} {word}"


class _German:
    def p_(self, context: str, message: str) -> str:
        return message
