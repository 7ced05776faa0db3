"""How well and how fast the free-text scrubber works on the labelled corpus.

The corpus (tests/data/scrubbing_corpus.jsonl) holds short answers in German, English, Arabic,
Farsi, Ukrainian and Russian; about half contain personal data, labelled with its kind and exact
text, the rest contain numbers and names that must survive (dates, amounts, room numbers, "U8").

Measured per language and overall:
- recall: labelled values that no longer appear in the scrubbed text, over all labelled values;
- precision: placeholders that cover (overlap) a labelled value of the same kind, over all
  placeholders put in (a placeholder on unlabelled text or of the wrong kind is a false positive);
- texts per second through ``Scrubber.scrub``, after construction (whose time is printed too).

    python benchmarks/scrubbing.py [--repeat N] [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.scrubbing import Scrubber  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "scrubbing_corpus.jsonl"


@dataclass
class Tally:
    items: int = 0
    pii_items: int = 0
    labelled: int = 0
    removed: int = 0
    placeholders: int = 0
    correct: int = 0
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.removed / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.placeholders if self.placeholders else 1.0

    def add(self, other: Tally) -> None:
        for name in ("items", "pii_items", "labelled", "removed", "placeholders", "correct", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def labelled_spans(text: str, pii: list[dict[str, str]]) -> list[tuple[int, int, str]]:
    spans = []
    for item in pii:
        start = text.find(item["value"])
        while start != -1:
            spans.append((start, start + len(item["value"]), item["kind"]))
            start = text.find(item["value"], start + 1)
    return spans


def evaluate(scrubber: Scrubber, item: dict[str, object]) -> Tally:
    text = str(item["text"])
    pii = item["pii"]
    assert isinstance(pii, list)
    started = time.perf_counter()
    scrubbed = scrubber.scrub(text).text
    seconds = time.perf_counter() - started
    spans = labelled_spans(text, pii)
    findings = scrubber.find(text)
    correct = sum(
        any(f.start < end and start < f.end and f.kind == kind for start, end, kind in spans)
        for f in findings
    )
    return Tally(
        items=1,
        pii_items=1 if pii else 0,
        labelled=len(pii),
        removed=sum(entry["value"] not in scrubbed for entry in pii),
        placeholders=len(findings),
        correct=correct,
        seconds=seconds,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over the corpus")
    parser.add_argument("--verbose", action="store_true", help="print every miss and false positive")
    args = parser.parse_args()

    items = load(args.corpus)
    started = time.perf_counter()
    scrubber = Scrubber()
    setup = time.perf_counter() - started

    per_language: dict[str, Tally] = defaultdict(Tally)
    for item in items:
        tally = evaluate(scrubber, item)
        per_language[str(item["lang"])].add(tally)
        if args.verbose and (tally.removed < tally.labelled or tally.correct < tally.placeholders):
            print(f"  {item['lang']}: {item['text']!r} -> {scrubber.scrub(str(item['text'])).text!r}")

    # Throughput: several passes over the whole corpus, per language.
    timing: dict[str, float] = defaultdict(float)
    for _ in range(args.repeat):
        for item in items:
            text = str(item["text"])
            started = time.perf_counter()
            scrubber.scrub(text)
            timing[str(item["lang"])] += time.perf_counter() - started

    print(f"Scrubber() set-up: {setup:.3f} s (after import)")
    header = f"{'lang':<8}{'items':>6}{'PII':>6}{'values':>8}{'recall':>8}{'precision':>11}{'texts/s':>10}"
    print(header)
    print("-" * len(header))
    overall = Tally()
    total_seconds = 0.0
    for lang in sorted(per_language):
        tally = per_language[lang]
        overall.add(tally)
        total_seconds += timing[lang]
        rate = tally.items * args.repeat / timing[lang] if timing[lang] else float("inf")
        print(
            f"{lang:<8}{tally.items:>6}{tally.pii_items:>6}{tally.labelled:>8}"
            f"{tally.recall:>8.3f}{tally.precision:>11.3f}{rate:>10.0f}"
        )
    print("-" * len(header))
    rate = overall.items * args.repeat / total_seconds if total_seconds else float("inf")
    print(
        f"{'all':<8}{overall.items:>6}{overall.pii_items:>6}{overall.labelled:>8}"
        f"{overall.recall:>8.3f}{overall.precision:>11.3f}{rate:>10.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
