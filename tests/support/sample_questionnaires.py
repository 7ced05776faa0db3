"""A small, fixed questionnaire set for engine tests, independent of the real content."""

from __future__ import annotations

from pathlib import Path

from dialogs.definitions import ABOUT_ID, FIELD_IDS, QUESTIONNAIRE_DIR

SAMPLE_FIELD = """\
id: {id}
title: Titel {id}
short_title: Kurz {id}
intro: Einleitung {id}
outro: Danke {id}
questions:
  - id: q_yesno
    type: yesno
    text: Haben Sie Erfahrung damit?
  - id: q_single
    type: single
    text: Wenn ja, wie war es?
    show_if: {{question: q_yesno, any_of: [ja]}}
    options:
      - {{id: gut, label: Gut}}
      - {{id: schlecht, label: Schlecht}}
  - id: q_multi
    type: multi
    text: Was war schwierig?
    min: 1
    max: 2
    options:
      - {{id: sprache, label: Sprache}}
      - {{id: wartezeit, label: Wartezeit}}
      - {{id: kosten, label: Kosten}}
  - id: q_scale
    type: scale
    text: Wie zufrieden sind Sie?
    words: zufrieden
  - id: q_text
    type: text
    text: Möchten Sie noch etwas sagen?
    optional: true
    max_length: 50
"""


def write_sample_catalogue(directory: Path) -> Path:
    """The real 'about' block plus nine identical sample fields (5 questions each)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{ABOUT_ID}.yaml").write_text(
        (QUESTIONNAIRE_DIR / f"{ABOUT_ID}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    for field_id in FIELD_IDS:
        (directory / f"{field_id}.yaml").write_text(SAMPLE_FIELD.format(id=field_id), encoding="utf-8")
    return directory
