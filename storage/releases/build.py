"""One release of a field: the protected tables, who answered, the released texts, the notes, and
row-level data only when an admin asks for it."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.definitions import Catalogue
from storage.releases.census import Census, take_census
from storage.releases.microdata import k_anonymous
from storage.releases.model import Microdata, Release
from storage.releases.tables import DEMOGRAPHICS, LANGUAGE, question_tables, tally_of, who
from storage.releases.tally import Tally, read_tally
from storage.releases.texts import OTHER_LANGUAGE, free_texts
from storage.releases.thresholds import SENSITIVE_K, k_for


async def make_release(
    session: AsyncSession,
    catalogue: Catalogue,
    field_id: str,
    *,
    k: int,
    partial: bool = False,
    microdata: bool = False,
    rng: random.Random | None = None,
    today: date | None = None,
) -> Release:
    """Read the field once and build its release; `k` is raised for sensitive fields (`k_for`).

    Free texts are read in the scrubbed form stored with them; a released text without one for its
    current version is held back. So scrub first what is missing (bot/usecases/reviews.py,
    `scrub_released`), in a transaction of its own: this one only reads until the release is built."""
    rng = rng or random.SystemRandom()
    k = k_for(field_id, k)
    if microdata:  # row-level data need the rows: each person's answers as they are stored
        census = await take_census(session, catalogue, field_id, rng=rng)
        return release_of(census, k=k, partial=partial, microdata=True, rng=rng, today=today)
    tally = await read_tally(session, catalogue, field_id)
    return release_of(tally, k=k, partial=partial, rng=rng, today=today)


def release_of(
    data: Census | Tally,
    *,
    k: int,
    partial: bool = False,
    microdata: bool = False,
    rng: random.Random | None = None,
    today: date | None = None,
) -> Release:
    """The release of a field already read (`k` as it is: `make_release` applies `k_for`). Row-level
    data (`microdata`) need a `Census`."""
    rng = rng or random.SystemRandom()
    tally = tally_of(data)
    field_id = tally.questionnaire.id
    questions = question_tables(tally, k, partial=partial)
    distributions = who(tally, k)
    texts, held_back = free_texts(tally, k, rng=rng, partial=partial)
    respondents = int(np.count_nonzero(tally.submitted))
    notes = _notes(field_id, k, partial)
    shown = {d.by for d in distributions}
    for by in [by for _, by in DEMOGRAPHICS] + [LANGUAGE]:
        if by not in shown:
            notes.append(
                f"Keine Aufschlüsselung nach {by}: Es gibt keine Einteilung, in der jede Gruppe "
                f"mindestens {k} Personen hat."
            )
    rows: Microdata | None = None
    if microdata:
        if not isinstance(data, Census):
            raise TypeError("row-level data are made from a Census")
        submitted = [p for p in data.people if p.submitted]
        rows = k_anonymous(Census(data.questionnaire, data.about, submitted), k, rng)
        # Row-level data come alone: exact joint counts from rows next to the tables would narrow the
        # tables' hidden counts (a cell with no matching row is at most the removed rows).
        questions, distributions, texts = [], [], []
        notes = [
            "Diese Datei enthält nur Einzeldaten. Tabellen und Freitexte gibt es in einer eigenen "
            "Veröffentlichung: Zusammen könnten beide den Schutz der verdeckten Zahlen aufheben.",
        ]
    return Release(
        field_id=field_id,
        title=tally.questionnaire.title,
        k=k,
        made_on=today or date.today(),
        respondents=respondents,
        started_only=tally.people - respondents if partial else None,
        questions=questions,
        who=distributions,
        texts=texts,
        held_back_texts=held_back,
        notes=notes,
        microdata=rows,
    )


def _notes(field_id: str, k: int, partial: bool) -> list[str]:
    """What was done to protect people, one German sentence each."""
    higher = (
        ", für dieses Handlungsfeld höher als sonst, weil die Angaben besonders schutzbedürftig sind"
        if field_id in SENSITIVE_K
        else ""
    )
    counted = (
        "Gezählt werden die Antworten von Personen, die den Fragebogen abgeschickt haben; die Antworten "
        "von Personen, die nur angefangen haben, stehen getrennt unter „nur angefangen“ und sind in "
        "keiner anderen Zahl enthalten."
        if partial
        else "Gezählt werden nur die Antworten von Personen, die den Fragebogen abgeschickt haben."
    )
    return [
        f"Zum Schutz der Befragten wird keine Zahl unter {k} gezeigt (k = {k}{higher}).",
        f"„weniger als {k}“ heißt: Hier haben zwischen 1 und {k - 1} Personen geantwortet; die genaue "
        "Zahl wird nicht gezeigt.",
        "„verdeckt“ heißt: Diese Zahl ist nicht klein, wird aber nicht gezeigt, damit sich eine kleine "
        "Zahl nicht aus Summen, anderen Zahlen oder anderen Tabellen ausrechnen lässt.",
        counted,
        "Die Veröffentlichung enthält keine Namen, Kennungen oder Pseudonyme und keine Zeitangabe, die "
        "genauer ist als der Monat.",
        "Freitexte stehen in einer eigenen, zufällig geordneten Liste ohne Verbindung zu anderen Antworten "
        "oder Angaben zur Person; sie wurden vor der Freigabe von Mitarbeitenden geprüft, und Namen, "
        "Adressen, Telefonnummern und ähnliche Angaben wurden ersetzt.",
        f"Bei Freitexten in einer Sprache, die weniger als {k} Befragte sprechen, steht „{OTHER_LANGUAGE}“.",
        f"Gruppen mit weniger als {k} Personen sind unter „weitere (zusammengefasst)“ zusammengefasst; wer "
        "zu einem Merkmal nichts angegeben hat, steht unter „Keine Angabe“.",
        "Mittelwerte sind auf eine Nachkommastelle gerundet; der Median ist der mittlere Wert, bei einer "
        "geraden Zahl von Antworten der kleinere der beiden mittleren Werte.",
    ]
