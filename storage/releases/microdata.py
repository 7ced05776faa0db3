"""Row-level data of one field, k-anonymous over the demographics and the answers together.

Only an admin gets row-level data, and only on explicit request: tables are what working groups read.
Each row is one person who submitted the field; its columns are a fresh random number, the six
demographics and every question of the field that is not free text. Free texts, times and pseudonyms
are never part of it.

k-anonymity here means: the combination of ALL published columns except "Nr" is shared by at least k
rows. An attacker who knows everything about a person (their demographics and every answer) and
matches it against the rows finds either no row (the person is not in the release) or at least k rows
that fit equally well; knowing less only widens the set. So no row can be singled out by its answers.

How it is reached: full-domain generalisation with a hierarchy per column (every row of a column is
coarsened to the same level, so a column keeps one vocabulary and a pivot table over it works), plus
removal of the few rows still in too small groups, at most MAX_REMOVED_SHARE of them. Of all
combinations of levels (the generalisation lattice, as in Samarati 2001) that need no more removals
than that, the one that shows the most: the most steps of detail, counted over the columns whose values still
differ between the rows kept (a column that reads the same in every kept row shows nothing, and would
otherwise be "bought" by removing the few people who answered it); then the fewest rows removed; then
the rows best told apart (discernibility metric, Bayardo and Agrawal 2005); then more detail in the
earlier columns, so that no tie depends on anything but the data.

The search tries every combination that qualifies, and only few need trying, because removal is
monotone: coarsening a column only merges groups, so a combination that needs too many removals
cannot be rescued by making any column more detailed. The search starts with every column at "*" (one
group of everybody) and goes down the lattice one step at a time, trying only the combinations whose
coarser neighbours all qualified. With 47 to 200 people that is a few dozen to a few hundred
combinations (well under a second). Should a field ever be so large that trying them all would take
more than SEARCH_BUDGET, the search goes on greedily from the best one found, one step of detail at a
time; the result is then good, but perhaps not the best.

Datafly (Sweeney 1998: coarsen the column with the most distinct values among the rows in small groups
until few enough are left; here with a second pass that undoes steps no longer needed) was tried first.
On the tests' realistic censuses of the nine fields with 47 and with 200 people this search showed
more detail in 14 of the 18 cases (e.g. 4 steps against 2 for familie with 47 people, 4 against 2 for
hochschule with 200) and removed fewer rows at the same detail in 3 more (ankommen with 200 people: 6
rows against 17); it was never worse.

Every decision depends only on the multiset of rows and on the fixed order of the columns, never on
the order of the people: the same data gives the same generalisation and the same rows; only the order
of the rows and their numbers are drawn from `rng`.

Why not a library: `anjana` (PyPI; CSIC, the authors of pycanon) is the established k-anonymity library
with hierarchies as needed here. It implements a Datafly loop on pandas; it pulls pandas, numpy, scipy,
reportlab, pillow, pyreadstat and typer with exact version pins into the production image, counts
distinct values over the whole column rather than over the rows that are the problem, has no way back
from an unnecessary step, prints to stdout, and would need every multiple-choice combination listed as
a leaf of a hierarchy table. The other k-anonymity packages on the index implement Mondrian (umbra-k,
polarfrost on Polars and PySpark; see below) or are recent packages at an early version (pyikaild,
k-anonymity-core, project-lighthouse-anonymize). The search below is about fifty lines; the tests
check its result independently with `pycanon`, the checker anjana uses.

Mondrian (multidimensional local recoding) was not chosen: it coarsens each row differently, so one
column would mix "Neukölln", "Berlin" and "*", which a working group cannot count, and its median
splits need an order that single and multiple choice answers do not have.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogs.definitions import NO, NO_ANSWER, YES, Question, Questionnaire
from dialogs.scales import german_words
from storage.releases.census import Census, Respondent
from storage.releases.model import MicroColumn, Microdata
from storage.releases.tables import DEMOGRAPHICS as ABOUT_DEMOGRAPHICS
from storage.releases.tables import language_name

Value = str | int | None

SUPPRESSED = "*"
NO_ANSWER_LABEL = "Keine Angabe"
# Rows still in groups smaller than k are removed rather than coarsening a column for everybody, but
# never more than this share: beyond it the removal itself would distort the data (the removed are the
# rare people, not a random sample).
MAX_REMOVED_SHARE = 0.10
# How much the exact search may do (combinations tried times rows) before it goes on greedily (see the
# module's doc): a few seconds on this project's machines.
SEARCH_BUDGET = 4_000_000

BERLIN = "Berlin"
OUTSIDE_OR_UNKNOWN = "außerhalb Berlins oder unbekannt"
NOT_IN_BERLIN = {"nicht_in_berlin", "weiss_nicht"}  # with "Keine Angabe" and no answer: unknown
UNDER_30, FROM_30 = "unter 30", "30 oder älter"
AGE_BANDS = {
    "unter_18": UNDER_30,
    "a18_29": UNDER_30,
    "a30_44": FROM_30,
    "a45_64": FROM_30,
    "a65_plus": FROM_30,
}
UNDER_3, FROM_3 = "unter 3 Jahre", "3 Jahre oder mehr"
TIME_BANDS = {
    "unter_1": UNDER_3,
    "j1_2": UNDER_3,
    "j3_4": FROM_3,
    "j5_9": FROM_3,
    "j10_plus": FROM_3,
    # The retired, overlapping bands: "1 bis 3 Jahre" is mostly under three (a person at exactly three
    # could have chosen "3 bis 5" as well), the others start at three.
    "j1_3": UNDER_3,
    "j3_5": FROM_3,
    "j5_10": FROM_3,
    "ueber_10": FROM_3,
}
SCALE_BANDS = {1: "1–2", 2: "1–2", 3: "3", 4: "4–5", 5: "4–5"}

LANGUAGE = "sprache"
# The demographics, in the order of the columns: about-question id (or "sprache") and German header, as the
# tables break answers down.
DEMOGRAPHICS = (*ABOUT_DEMOGRAPHICS, (LANGUAGE, "Sprache"))

ABOUT_EMPTY = " Leer: nicht beantwortet."
QUESTION_EMPTY = " „Keine Angabe“: bewusst keine Antwort gewählt. Leer: nicht gefragt oder nicht beantwortet."
SUPPRESSED_EXPLANATION = "Unterdrückt: in jeder Zeile „*“, damit keine Zeile an dieser Angabe erkannt wird."
NR = MicroColumn(
    "nr",
    "Nr",
    "Laufende Nummer, bei jeder Ausgabe neu und zufällig vergeben: sie verbindet keine Zeile mit einer "
    "anderen Ausgabe.",
)


@dataclass(frozen=True)
class _Level:
    """One column at one level of its hierarchy: every row's published value and what it means."""

    cells: tuple[Value, ...]  # one per person, in the order of the census
    explanation: str
    done: str  # for the notes: what was done to reach this level ("" at the most detailed level)


@dataclass(frozen=True)
class _Attribute:
    """One published column with its hierarchy, from the most detailed level to "*"."""

    id: str
    header: str
    subject: str  # how the notes name it: "Bezirk", "Frage „Wie wohnen Sie im Moment?“"
    levels: tuple[_Level, ...]

    @property
    def top(self) -> int:
        return len(self.levels) - 1


def k_anonymous(census: Census, k: int, rng: random.Random) -> Microdata:
    """The field's rows, generalised and reduced until every combination of all columns (except Nr)
    occurs at least k times. Only people who submitted the field are counted (the caller passes only
    them; anyone else is left out here as well)."""
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    people = [person for person in census.people if person.submitted]
    attributes = _attributes(census.about, census.questionnaire, people)
    n = len(people)
    if n < k:
        return Microdata(
            columns=[NR, *(MicroColumn(a.id, a.header, a.levels[0].explanation) for a in attributes)],
            rows=[],
            removed_rows=n,
            notes=[
                f"Weniger als {k} Personen haben dieses Handlungsfeld abgeschickt. Zeilendaten gibt es "
                f"erst ab {k} Personen, damit keine Zeile einer Person zugeordnet werden kann: Diese "
                "Ausgabe enthält daher keine Zeilen.",
                _LEFT_OUT,
            ],
        )

    max_removed = int(n * MAX_REMOVED_SHARE)
    levels = _generalise(attributes, n, k, max_removed)
    small = set(_rows_in_small_groups(attributes, levels, k))
    kept = [i for i in range(n) if i not in small]
    rng.shuffle(kept)
    rows: list[list[Value]] = [
        [number, *(a.levels[level].cells[i] for a, level in zip(attributes, levels, strict=True))]
        for number, i in enumerate(kept, start=1)
    ]
    columns = [
        NR,
        *(
            MicroColumn(a.id, a.header, a.levels[level].explanation)
            for a, level in zip(attributes, levels, strict=True)
        ),
    ]
    return Microdata(
        columns=columns,
        rows=rows,
        removed_rows=len(small),
        notes=_notes(attributes, levels, k, n, len(small)),
    )


# -- the search ------------------------------------------------------------------------------------


def _rows_in_small_groups(attributes: Sequence[_Attribute], levels: Sequence[int], k: int) -> list[int]:
    """Rows whose combination of published values (at these levels) occurs fewer than k times."""
    columns = [a.levels[level].cells for a, level in zip(attributes, levels, strict=True)]
    keys = list(zip(*columns, strict=True))
    sizes = Counter(keys)
    return [i for i, key in enumerate(keys) if sizes[key] < k]


Levels = tuple[int, ...]


@dataclass(frozen=True)
class _Measure:
    """What one combination of levels costs and shows."""

    removed: int  # rows in groups smaller than k
    spread: int  # discernibility: the sum of the squared group sizes, each removed row counting n
    detail: int  # steps of detail of the columns whose values still differ between the kept rows

    def rank(self, levels: Levels) -> tuple[int, int, int, Levels]:
        """Smaller is better: the most detail, then the fewest rows removed (the removed are the rare
        people, whom the data should keep where it can), then the rows best told apart, then (only so
        that a tie never depends on anything but the data) more detail in the earlier columns."""
        return -self.detail, self.removed, self.spread, levels


def _measure(attributes: Sequence[_Attribute], levels: Levels, k: int, n: int) -> _Measure:
    columns = [a.levels[level].cells for a, level in zip(attributes, levels, strict=True)]
    sizes = Counter(zip(*columns, strict=True))
    removed = sum(size for size in sizes.values() if size < k)
    kept = [key for key, size in sizes.items() if size >= k]
    detail = sum(
        a.top - level
        for c, (a, level) in enumerate(zip(attributes, levels, strict=True))
        if len({key[c] for key in kept}) > 1
    )
    spread = sum(size * size for size in sizes.values() if size >= k) + removed * n
    return _Measure(removed, spread, detail)


def _generalise(attributes: Sequence[_Attribute], n: int, k: int, max_removed: int) -> Levels:
    """The level of each column: of the combinations that leave at most max_removed rows in groups
    smaller than k, the one with the best `_Measure.rank`."""
    top = tuple(a.top for a in attributes)

    def measure(levels: Levels) -> _Measure:
        return _measure(attributes, levels, k, n)

    def finer(levels: Levels) -> list[Levels]:
        return [(*levels[:c], level - 1, *levels[c + 1 :]) for c, level in enumerate(levels) if level > 0]

    def coarser(levels: Levels) -> list[Levels]:
        return [
            (*levels[:c], level + 1, *levels[c + 1 :]) for c, level in enumerate(levels) if level < top[c]
        ]

    bottom = tuple(0 for _ in attributes)
    if measure(bottom).removed <= max_removed:
        return bottom  # nothing to coarsen (a common case in a large field with few questions)
    # Every column at "*": one group of all n >= k rows, nothing removed.
    step: dict[Levels, _Measure] = {top: measure(top)}
    qualifying = dict(step)
    work = n
    while step:
        # One step more detail. A combination whose coarser neighbours do not all qualify cannot
        # qualify itself (removal is monotone), so only those whose neighbours all qualified are tried.
        candidates = sorted(
            {
                child
                for levels in step
                for child in finer(levels)
                if all(parent in step for parent in coarser(child))
            }
        )
        work += len(candidates) * n
        if work > SEARCH_BUDGET:
            break
        measured = {levels: measure(levels) for levels in candidates}
        step = {levels: m for levels, m in measured.items() if m.removed <= max_removed}
        qualifying |= step
    best = min(qualifying, key=lambda levels: qualifying[levels].rank(levels))
    if work <= SEARCH_BUDGET:
        return best
    # Too many combinations qualify to try them all: on from the best so far, one greedy step of more
    # detail at a time while a step still qualifies, keeping the best seen.
    current, best_rank = best, qualifying[best].rank(best)
    while True:
        measured = {levels: measure(levels) for levels in finer(current)}
        steps = [m.rank(levels) for levels, m in measured.items() if m.removed <= max_removed]
        if not steps:
            return best
        rank = min(steps)
        current = rank[3]
        if rank < best_rank:
            best, best_rank = current, rank


# -- the columns and their hierarchies --------------------------------------------------------------


def _attributes(about: Questionnaire, field: Questionnaire, people: Sequence[Respondent]) -> list[_Attribute]:
    attributes: list[_Attribute] = []
    for column_id, header in DEMOGRAPHICS:
        if column_id == LANGUAGE:
            attributes.append(_language(people))
            continue
        question = about.question(column_id)
        if question is not None:
            attributes.append(_demographic(question, header, [p.about.get(column_id) for p in people]))
    for question in field.questions:
        if question.type != "text":
            attributes.append(_answer(question, [p.answers.get(question.id) for p in people]))
    return attributes


def _suppressed(n: int) -> _Level:
    return _Level((SUPPRESSED,) * n, SUPPRESSED_EXPLANATION, "unterdrückt (*)")


def _level(raw: Sequence[Any], show: Callable[[Any], Value], explanation: str, done: str = "") -> _Level:
    return _Level(tuple(show(value) for value in raw), explanation, done)


def _language(people: Sequence[Respondent]) -> _Attribute:
    n = len(people)
    return _Attribute(
        LANGUAGE,
        "Sprache",
        "Sprache",
        (
            _level(
                [p.locale for p in people],
                language_name,
                "Sprache, in der die Person geantwortet hat, auf Deutsch benannt.",
            ),
            _suppressed(n),
        ),
    )


def _demographic(question: Question, header: str, raw: Sequence[Any]) -> _Attribute:
    n = len(raw)
    detailed = _level(
        raw,
        lambda value: _label(question, value),
        f"Angabe über sich: {question.text}{ABOUT_EMPTY}",
    )
    bands: list[_Level] = []
    if question.id == "bezirk":
        bands.append(
            _level(
                raw,
                lambda value: (
                    OUTSIDE_OR_UNKNOWN
                    if value is None or value == NO_ANSWER or value in NOT_IN_BERLIN
                    else BERLIN
                ),
                f"Wohnort, zusammengefasst zu „{BERLIN}“ oder „{OUTSIDE_OR_UNKNOWN}“ (zum Schutz "
                "vergröbert; unbekannt heißt „Weiß ich nicht“, „Keine Angabe“ oder nicht beantwortet).",
                f"zusammengefasst zu „{BERLIN}“ und „{OUTSIDE_OR_UNKNOWN}“",
            )
        )
    elif question.id in ("alter", "zeit_in_de"):
        table = AGE_BANDS if question.id == "alter" else TIME_BANDS
        names = list(dict.fromkeys(table.values()))
        bands.append(
            _level(
                raw,
                lambda value: _band(table, value),
                f"{question.text} Zusammengefasst zu {_quoted(names, ' oder ')} (zum Schutz vergröbert)."
                f"{ABOUT_EMPTY}",
                f"zusammengefasst zu {_quoted(names, ' und ')}",
            )
        )
    return _Attribute(question.id, header, header, (detailed, *bands, _suppressed(n)))


def _band(table: Mapping[str, str], value: Any) -> Value:
    if value is None:
        return None
    if value == NO_ANSWER:
        return NO_ANSWER_LABEL
    # An option added to the questionnaire after this table was written: hidden rather than shown in
    # detail at a level that promises bands.
    return table.get(str(value), SUPPRESSED)


def _answer(question: Question, raw: Sequence[Any]) -> _Attribute:
    n = len(raw)
    subject = f"Frage „{question.text}“"
    levels: list[_Level] = []
    if question.type == "scale":
        low, *_, high = german_words(question.words or "gut")
        levels.append(
            _level(
                raw,
                _scale,
                f"Zahl von 1 ({low}) bis 5 ({high}).{QUESTION_EMPTY}",
            )
        )
        levels.append(
            _level(
                raw,
                _scale_band,
                f"Zusammengefasst zu „1–2“, „3“ oder „4–5“ (1 = {low}, 5 = {high}; zum Schutz vergröbert)."
                f"{QUESTION_EMPTY}",
                "zusammengefasst zu „1–2“, „3“ und „4–5“",
            )
        )
    else:
        what = {
            "single": "Die gewählte Antwort.",
            "yesno": "„Ja“ oder „Nein“.",
            "multi": "Die gewählten Antworten, getrennt durch „; “.",
        }[question.type]
        levels.append(_level(raw, lambda value: _label(question, value), f"{what}{QUESTION_EMPTY}"))
    levels.append(_suppressed(n))
    return _Attribute(question.id, question.text, subject, tuple(levels))


def _scale(value: Any) -> Value:
    if value is None:
        return None
    if value == NO_ANSWER:
        return NO_ANSWER_LABEL
    return int(value)  # a number, so that a spreadsheet can average it


def _scale_band(value: Any) -> Value:
    if value is None:
        return None
    if value == NO_ANSWER:
        return NO_ANSWER_LABEL
    return SCALE_BANDS.get(int(value), SUPPRESSED)


def _label(question: Question, value: Any) -> Value:
    """The German label(s) of a stored answer; None when there is none."""
    if value is None:
        return None
    if isinstance(value, list):
        if not value:
            return None
        # In the questionnaire's order, so that the same choice reads the same in every row.
        order = {o.id: i for i, o in enumerate(question.options or [])}
        chosen = sorted({str(v) for v in value}, key=lambda v: (order.get(v, len(order)), v))
        return "; ".join(str(_label(question, v)) for v in chosen)
    if value == NO_ANSWER:
        return NO_ANSWER_LABEL
    if value == YES:
        return "Ja"
    if value == NO:
        return "Nein"
    return question.option_label(str(value)) or str(value)


def _quoted(items: Iterable[str], last: str) -> str:
    quoted = [f"„{item}“" for item in items]
    return ", ".join(quoted[:-1]) + last + quoted[-1] if len(quoted) > 1 else "".join(quoted)


# -- what the release says ------------------------------------------------------------------------

_LEFT_OUT = (
    "Freitexte, Zeitangaben und Pseudonyme sind in den Zeilendaten nicht enthalten; die Nummern in "
    "„Nr“ werden bei jeder Ausgabe neu und zufällig vergeben."
)


def _notes(
    attributes: Sequence[_Attribute], levels: Sequence[int], k: int, n: int, removed: int
) -> list[str]:
    notes = [
        f"Eine Zeile je Person, die das Handlungsfeld abgeschickt hat. k-Anonymität mit k = {k} über die "
        "Angaben zur Person und die Antworten zusammen: Jede Kombination aller Spalten außer „Nr“ kommt "
        f"mindestens {k}-mal vor, so dass keine Zeile an ihren Angaben oder Antworten erkannt werden kann."
    ]
    changed = [(a, level) for a, level in zip(attributes, levels, strict=True) if level > 0]
    notes += [f"{a.subject}: {a.levels[level].done}." for a, level in changed]
    unchanged = [a.subject for a, level in zip(attributes, levels, strict=True) if level == 0]
    if not changed:
        notes.append("Keine Spalte musste vergröbert werden.")
    elif unchanged:
        notes.append(f"Unverändert: {', '.join(unchanged)}.")
    if removed:
        notes.append(
            f"{removed} von {n} Zeilen wurden entfernt, weil ihre Kombination auch nach dem Vergröbern "
            f"seltener als {k}-mal vorkam (höchstens {int(MAX_REMOVED_SHARE * 100)} % der Zeilen werden "
            "so entfernt, sonst wird weiter vergröbert)."
        )
    else:
        notes.append("Keine Zeile wurde entfernt.")
    notes.append(
        "Haben alle Personen einer Gruppe gleicher Zeilen dieselbe Antwort gegeben, gilt diese Antwort "
        "für jede von ihnen: Die Zeilendaten verhindern das Erkennen einer Zeile, nicht solche Schlüsse."
    )
    notes.append(_LEFT_OUT)
    return notes
