"""How well and how fast the free-text scrubber works on the labelled corpus.

The corpus (tests/data/scrubbing_corpus.jsonl) holds short answers in the languages of the people we
serve (de en ar fa ps ku tr ro ru uk vi ti); about half contain personal data, labelled with its kind
and exact text, the rest are ordinary answers that must stay as they are (dates, amounts, room and
bus numbers, streets without a house number, family members without a name, years of birth).

Measured per language and per kind of personal data:
- recall: labelled values that no longer appear in the scrubbed text, over all labelled values;
- precision: placeholders that cover (overlap) a labelled value of the same kind, over all
  placeholders put in (a placeholder on unlabelled text or of the wrong kind is a false positive);
- exact (per language): labelled texts scrubbed exactly as expected, every value replaced by its
  placeholder and every other word kept;
- clean kept (per language): texts without personal data that come out unchanged;
- texts per CPU second through ``Scrubber.scrub``, after construction (whose time is printed too).
  CPU time, not wall time, so that other processes on a busy machine do not halve the figure;
- the cost per text: CPU milliseconds of one ``Scrubber.scrub`` call, mean, median, p99 and max per
  language, the wall-clock mean beside it, and the same for long texts (corpus texts of a language
  joined up to Telegram's 4096 characters, the longest answer a person can send). The bot scrubs a
  text once per version, when staff list or release it (bot/usecases/reviews.py): this is that
  cost, paid once per text, and the time a listing of N new texts takes is about N times the mean.

The corpus was written together with the patterns, so its figures are optimistic; run a corpus of
your own with --corpus (same format: one JSON object per line with "lang", "text" and "pii", a list
of {"kind", "value"}).

    python benchmarks/scrubbing.py [--repeat N] [--corpus PATH] [--verbose]
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.scrubbing import KINDS, Finding, Scrubber  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "scrubbing_corpus.jsonl"
LONGEST = 4096  # characters: the longest message a person can send in Telegram


@dataclass
class Tally:
    items: int = 0
    pii_items: int = 0
    exact: int = 0
    clean_kept: int = 0
    labelled: int = 0
    removed: int = 0
    placeholders: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.removed / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.placeholders if self.placeholders else 1.0

    def add(self, other: Tally) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Item:
    lang: str
    text: str
    pii: tuple[tuple[str, str], ...]  # (kind, value)

    @property
    def expected(self) -> str:
        text = self.text
        for kind, value in self.pii:
            text = text.replace(value, f"[{kind}]")
        return text


def load(path: Path) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                pii = tuple((label["kind"], label["value"]) for label in raw["pii"])
                items.append(Item(raw["lang"], raw["text"], pii))
    return items


def labelled_spans(item: Item) -> list[tuple[int, int, str]]:
    spans = []
    for kind, value in item.pii:
        start = item.text.find(value)
        while start != -1:
            spans.append((start, start + len(value), kind))
            start = item.text.find(value, start + 1)
    return spans


def is_correct(finding: Finding, spans: list[tuple[int, int, str]]) -> bool:
    return any(
        finding.start < end and start < finding.end and finding.kind == kind for start, end, kind in spans
    )


def evaluate(scrubber: Scrubber, item: Item) -> tuple[Tally, dict[str, Tally], str]:
    """The item's tally, its tally per kind, and its scrubbed text."""
    scrubbed = scrubber.scrub(item.text).text
    findings = scrubber.find(item.text)
    spans = labelled_spans(item)
    per_kind: dict[str, Tally] = defaultdict(Tally)
    for kind, value in item.pii:
        per_kind[kind].labelled += 1
        per_kind[kind].removed += value not in scrubbed
    for finding in findings:
        per_kind[finding.kind].placeholders += 1
        per_kind[finding.kind].correct += is_correct(finding, spans)
    tally = Tally(items=1, pii_items=1 if item.pii else 0)
    if item.pii:
        tally.exact = int(scrubbed == item.expected)
    else:
        tally.clean_kept = int(scrubbed == item.text)
    for kind_tally in per_kind.values():
        tally.labelled += kind_tally.labelled
        tally.removed += kind_tally.removed
        tally.placeholders += kind_tally.placeholders
        tally.correct += kind_tally.correct
    return tally, per_kind, scrubbed


@dataclass
class Cost:
    """Seconds of single ``scrub`` calls: CPU time and wall-clock time."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    characters: int = 0

    def measure(self, scrubber: Scrubber, text: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        scrubber.scrub(text)
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        self.characters += len(text)

    def add(self, other: Cost) -> None:
        self.cpu += other.cpu
        self.wall += other.wall
        self.characters += other.characters

    def row(self, label: str) -> str:
        ms = sorted(1000 * seconds for seconds in self.cpu)
        return (
            f"{label:<6}{len(ms):>7}{self.characters / len(ms):>7.0f}{statistics.fmean(ms):>9.2f}"
            f"{statistics.median(ms):>9.2f}{percentile(ms, 99):>9.2f}{ms[-1]:>9.2f}"
            f"{1000 * statistics.fmean(self.wall):>11.2f}"
        )


def percentile(ordered: Sequence[float], p: int) -> float:
    """The p-th percentile of sorted values (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, -(-p * len(ordered) // 100) - 1))]


def long_texts(items: list[Item], count: int = 4) -> dict[str, list[str]]:
    """Per language, `count` texts of nearly LONGEST characters: its corpus texts joined, over and over."""
    joined: dict[str, list[str]] = {}
    for lang in sorted({item.lang for item in items}):
        parts = itertools.cycle([item.text for item in items if item.lang == lang])
        texts = []
        for _ in range(count):
            text = next(parts)[:LONGEST]
            while len(text) + 1 + len(part := next(parts)) <= LONGEST:
                text = f"{text} {part}"
            texts.append(text)
        joined[lang] = texts
    return joined


def share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "  –  "


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the corpus")
    parser.add_argument("--verbose", action="store_true", help="print every text not scrubbed as expected")
    args = parser.parse_args()

    items = load(args.corpus)
    started = time.perf_counter()
    scrubber = Scrubber()
    setup = time.perf_counter() - started

    per_language: dict[str, Tally] = defaultdict(Tally)
    per_kind: dict[str, Tally] = defaultdict(Tally)
    # recall per kind and language: [removed, labelled]
    matrix: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        tally, kinds, scrubbed = evaluate(scrubber, item)
        per_language[item.lang].add(tally)
        for kind, kind_tally in kinds.items():
            per_kind[kind].add(kind_tally)
            cell = matrix[(kind, item.lang)]
            cell[0] += kind_tally.removed
            cell[1] += kind_tally.labelled
        expected = item.expected if item.pii else item.text
        if args.verbose and scrubbed != expected:
            print(f"  {item.lang}: {item.text!r}\n      got {scrubbed!r}\n      not {expected!r}")

    # Throughput and cost per text: several passes over the whole corpus, each call timed, per language.
    costs: dict[str, Cost] = defaultdict(Cost)
    for _ in range(args.repeat):
        for item in items:
            costs[item.lang].measure(scrubber, item.text)
    timing = {lang: sum(cost.cpu) for lang, cost in costs.items()}
    long_costs: dict[str, Cost] = defaultdict(Cost)
    for lang, texts in long_texts(items).items():
        for _ in range(args.repeat):
            for text in texts:
                long_costs[lang].measure(scrubber, text)

    languages = sorted(per_language)
    print(f"Corpus: {args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus}")
    print(f"Scrubber() set-up: {setup:.3f} s (after import)\n")

    header = (
        f"{'lang':<6}{'texts':>6}{'PII':>5}{'values':>7}{'recall':>8}{'precision':>10}"
        f"{'exact':>7}{'clean kept':>11}{'texts/CPU-s':>13}"
    )
    print("Per language")
    print(header)
    print("-" * len(header))
    overall = Tally()
    total_seconds = 0.0
    for lang in languages:
        tally = per_language[lang]
        overall.add(tally)
        total_seconds += timing[lang]
        rate = tally.items * args.repeat / timing[lang] if timing[lang] else float("inf")
        print(
            f"{lang:<6}{tally.items:>6}{tally.pii_items:>5}{tally.labelled:>7}{tally.recall:>8.3f}"
            f"{tally.precision:>10.3f}{share(tally.exact, tally.pii_items):>7}"
            f"{share(tally.clean_kept, tally.items - tally.pii_items):>11}{rate:>13.0f}"
        )
    print("-" * len(header))
    rate = overall.items * args.repeat / total_seconds if total_seconds else float("inf")
    print(
        f"{'all':<6}{overall.items:>6}{overall.pii_items:>5}{overall.labelled:>7}{overall.recall:>8.3f}"
        f"{overall.precision:>10.3f}{share(overall.exact, overall.pii_items):>7}"
        f"{share(overall.clean_kept, overall.items - overall.pii_items):>11}{rate:>13.0f}"
    )

    print("\nPer kind")
    header = f"{'kind':<14}{'values':>7}{'recall':>8}{'placeholders':>14}{'precision':>10}"
    print(header)
    print("-" * len(header))
    for kind in KINDS:
        tally = per_kind.get(kind, Tally())
        print(
            f"{kind:<14}{tally.labelled:>7}{tally.recall:>8.3f}{tally.placeholders:>14}{tally.precision:>10.3f}"
        )

    header = (
        f"{'lang':<6}{'calls':>7}{'chars':>7}{'mean ms':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'wall mean':>11}"
    )
    for title, table in (
        ("Cost per text (CPU ms of one Scrubber.scrub call; wall-clock mean beside it)", costs),
        (f"Cost per long text (corpus texts joined up to {LONGEST} characters)", long_costs),
    ):
        print(f"\n{title}")
        print(header)
        print("-" * len(header))
        every = Cost()
        for lang in languages:
            if table[lang].cpu:
                print(table[lang].row(lang))
                every.add(table[lang])
        print("-" * len(header))
        print(every.row("all"))
    every = Cost()
    for cost in costs.values():
        every.add(cost)
    print(
        f"\nCost per text: {statistics.fmean(every.cpu) * 1000:.2f} ms CPU on average "
        f"(p99 {percentile(sorted(every.cpu), 99) * 1000:.2f} ms) over {len(every.cpu)} calls; paid once "
        "per text version (review listing or release), never at an export."
    )

    print("\nRecall per kind and language (values removed / labelled)")
    print(f"{'':<14}" + "".join(f"{lang:>7}" for lang in languages))
    for kind in KINDS:
        cells = []
        for lang in languages:
            removed, labelled = matrix.get((kind, lang), [0, 0])
            cells.append(f"{removed}/{labelled}" if labelled else "·")
        print(f"{kind:<14}" + "".join(f"{cell:>7}" for cell in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
