"""The report as a working group reads it in a browser or prints it: a chart per question with hidden
counts drawn as hatched bars that say why, the base under every chart, breakdowns, the free texts in
their own direction, print styles, and nothing that runs or loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storage.releases.model import Release
from storage.releases.writers.common import shows_counts
from tests.storage.releases_writers.page import Element, parse


@pytest.fixture(scope="module")
def source(written: dict[str, Path]) -> str:
    return written["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(source: str) -> tuple[Element, list[str]]:
    return parse(source)


def sections(root: Element) -> list[Element]:
    return root.find_all("section", "question")


def test_one_self_contained_german_page(source: str, page: tuple[Element, list[str]]) -> None:
    root, tags = page
    assert source.startswith("<!DOCTYPE html>")
    assert root.find("html").attrs["lang"] == "de"
    assert root.find("meta").attrs["charset"] == "utf-8"
    assert "script" not in tags and "link" not in tags and "img" not in tags and "iframe" not in tags
    assert not re.search(r"\bsrc=|@import|url\(|https?://", source.replace("http://example.org", ""))
    policy = next(m for m in root.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy")
    assert policy.attrs["content"].startswith("default-src 'none'")
    # Only links within the page.
    assert all(a.attrs["href"].startswith("#") for a in root.find_all("a"))


def test_a_hatched_bar_that_says_why_for_every_hidden_count(
    page: tuple[Element, list[str]], wohnen: Release
) -> None:
    root, _ = page
    counted = [q for q in wohnen.questions if shows_counts(q)]
    found = sections(root)
    assert [s.find("h2").text for s in found] == [q.text for q in wohnen.questions]
    for question, section in zip(wohnen.questions, found, strict=True):
        if question not in counted:
            assert not section.find_all("table", "chart")
            continue
        (chart,) = section.find_all("table", "chart")
        assert question.submitted is not None
        lines = chart.find_all("tr")
        assert len(lines) == len(question.rows)
        for answer, cell, line in zip(question.rows, question.submitted.cells, lines, strict=True):
            assert line.find("th").text.startswith(answer.label)
            bar = line.find("span")
            number = line.find("td", "n").text
            if cell.hidden == "small":
                assert {"bar", "small"} <= bar.classes and "width" not in bar.attrs.get("style", "")
                assert number == "weniger als 5"
            elif cell.hidden == "protect":
                assert {"bar", "protect"} <= bar.classes
                assert number == "verdeckt"
            else:
                assert number == str(cell.count)
                assert not {"small", "protect"} & bar.classes
    # A hatched bar has a length of its own, the same for all: never zero, never from a count.
    style = root.find("style").text
    assert re.search(r"\.bar\.small,\.bar\.protect\{width:4\.5em;border:1px dashed", style)
    assert "repeating-linear-gradient" in style


def test_the_base_under_every_chart(page: tuple[Element, list[str]], wohnen: Release) -> None:
    root, _ = page
    for chart in root.find_all("table", "chart"):
        after = chart.next_sibling()
        assert after is not None and "base" in after.classes
        assert re.fullmatch(
            r"Basis: gefragt (\d+|weniger als 5|verdeckt) · geantwortet (\d+|weniger als 5|verdeckt)"
            r" · Keine Angabe (\d+|weniger als 5|verdeckt)",
            after.text,
        )
    first = sections(root)[0].find("p", "base")
    assert first.text == "Basis: gefragt 47 · geantwortet verdeckt · Keine Angabe weniger als 5"
    # The free-text question has no chart but its base.
    texts = sections(root)[-1]
    assert texts.find("p", "base").text == "Basis: gefragt 47 · geantwortet 19 · Keine Angabe 0"


def test_scales_name_their_ends_with_mean_and_median(page: tuple[Element, list[str]]) -> None:
    root, _ = page
    scale = sections(root)[1].find("p", "scale")
    assert scale.text == "Skala: 1 = Sehr unzufrieden, 5 = Sehr zufrieden · Mittelwert 2,72 · Median 3"


def test_a_withheld_question_says_why(page: tuple[Element, list[str]], wohnen: Release) -> None:
    root, _ = page
    withheld = next(q for q in wohnen.questions if q.withheld)
    section = sections(root)[wohnen.questions.index(withheld)]
    assert section.find("p", "withheld").text == f"Keine Zahlen: {withheld.withheld}"


def test_breakdown_tables(page: tuple[Element, list[str]], wohnen: Release) -> None:
    root, _ = page
    first = sections(root)[0]
    tables = first.find_all("table", "breakdown")
    assert [t.find("caption").text for t in tables] == ["nach Bezirk", "nach Sprache"]
    heads = [th.text for th in tables[1].find("thead").find_all("th")]
    assert heads == [
        "Antwort",
        "Arabischgefragt 18",
        "Persisch (Dari)gefragt 12",
        "Ukrainischgefragt 9",
        "andere Sprachengefragt 8",
    ]
    body = tables[1].find("tbody").find_all("tr")
    language = wohnen.questions[0].breakdowns[1]
    for line, cells in zip(body, language.cells, strict=True):
        texts = [td.text for td in line.find_all("td")]
        assert texts == [
            str(c.count) if c.hidden is None else "weniger als 5" if c.hidden == "small" else "verdeckt"
            for c in cells
        ]
    means = sections(root)[1].find("tr", "mean")
    assert [td.text for td in means.find_all("td")] == ["2,5", "2,91", "nicht gezeigt"]


def test_free_texts_in_their_own_direction_and_escaped(
    page: tuple[Element, list[str]], wohnen: Release
) -> None:
    root, tags = page
    listing = next(s for s in root.find_all("section") if s.attrs.get("id") == "freitexte")
    items = listing.find_all("li")
    assert len(items) == len(wohnen.texts)
    for item, text in zip(items, wohnen.texts, strict=True):
        quote = item.find("blockquote")
        assert quote.attrs["dir"] == "auto"
        assert quote.find("bdi").text == text.text
        assert item.find("p", "about").text == f"{text.question} · {text.language}"
    assert "script" not in tags  # the text "<script>…" stayed text


def test_who_answered_and_the_notes(page: tuple[Element, list[str]], wohnen: Release) -> None:
    root, _ = page
    who = next(s for s in root.find_all("section") if s.attrs.get("id") == "befragte")
    assert [t.find("caption").text for t in who.find_all("table")] == [f"nach {d.by}" for d in wohnen.who]
    notes = next(s for s in root.find_all("section") if s.attrs.get("id") == "erlaeuterungen")
    items = [li.text for li in notes.find_all("li")]
    for note in wohnen.notes:
        assert note in items
    assert any("Einzeldaten" in item for item in items)  # said to be elsewhere, not shown here
    marks = [dt.text for dt in notes.find_all("dt")]
    assert "„weniger als 5“" in marks and "„verdeckt“" in marks


def test_print_styles_keep_each_question_together_in_black_and_white(page: tuple[Element, list[str]]) -> None:
    root, _ = page
    style = root.find("style").text
    printing = style[style.index("@media print") :]
    assert re.search(r"section\.question[^{]*\{break-inside:avoid;page-break-inside:avoid\}", printing)
    assert "print-color-adjust:exact" in style  # bars and hatching print
    assert "--bar:#555" in printing  # grey, not blue, on paper
    assert "nav{display:none}" in printing


def test_a_partial_release_draws_those_who_only_started_apart(
    written: dict[str, Path], partial: Release
) -> None:
    root, _ = parse(written["html-partial"].read_text(encoding="utf-8"))
    first = sections(root)[0]
    assert [h.text for h in first.find_all("h3")] == ["Abgesendet", "Nur angefangen"]
    charts = first.find_all("table", "chart")
    assert len(charts) == 2
    small = [s for s in charts[1].find_all("span") if "small" in s.classes]
    assert partial.questions[0].unsubmitted is not None
    assert len(small) == sum(c.hidden == "small" for c in partial.questions[0].unsubmitted.cells) == 3
    assert all(td.text == "weniger als 10" for td in charts[1].find_all("td", "small"))
    assert "Mittelwert nicht gezeigt" in sections(root)[1].find_all("p", "scale")[1].text


def test_what_a_question_leaves_out_is_said_under_it(
    page: tuple[Element, list[str]], written: dict[str, Path]
) -> None:
    root, _ = page
    notes = [p.text for p in sections(root)[1].find_all("p", "question-note")]
    assert notes == [
        "Keine Aufschlüsselung nach Bezirk: Die Gruppen sind zu klein, um ihre Antworten auf diese Frage "
        "geschützt zu zeigen."
    ]
    root, _ = parse(written["html-partial"].read_text(encoding="utf-8"))
    dolmetsch = sections(root)[3]
    assert dolmetsch.find("p", "withheld").text.startswith("Keine Zahlen: Die Antworten auf diese Frage")
    assert [h.text for h in dolmetsch.find_all("h3")] == ["Nur angefangen"]
    (chart,) = dolmetsch.find_all("table", "chart")
    assert [td.text for td in chart.find_all("td", "n")] == ["weniger als 10", "verdeckt", "0"]
    assert dolmetsch.find("p", "base").text == "Basis: gefragt 11 · geantwortet 11 · Keine Angabe 0"
