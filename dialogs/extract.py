"""Babel extractor for questionnaire files: every text lands in messages.pot with its id as context."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

# (line, gettext function, (context, message), translator comments)
Extracted = tuple[int, str, tuple[str, str], list[str]]
_BUTTON_NOTE = "Button label: keep it short (about 30 characters at most)."


def extract_questionnaire(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Entry point named in locales/babel.cfg; yields pgettext entries keyed by the stable ids."""
    root = yaml.compose(fileobj.read().decode("utf-8"))
    if not isinstance(root, yaml.MappingNode):
        return
    top = _mapping(root)
    field = _scalar(top.get("id"))
    if not field:
        return
    notes = {
        "title": ["Official name of the Handlungsfeld."],
        "display_title": ["The field's name as respondents read it (in 'my data')."],
        "short_title": ["Menu button: at most 24 characters."],
        "intro": ["Shown when the person opens this field."],
        "outro": ["Shown when the person has sent this field."],
    }
    for key, comment in notes.items():
        yield from _entry(top.get(key), field + "." + key, comment)
    questions = top.get("questions")
    if not isinstance(questions, yaml.SequenceNode):
        return
    for node in questions.value:
        if not isinstance(node, yaml.MappingNode):
            continue
        question = _mapping(node)
        qid = _scalar(question.get("id"))
        ctx = f"{field}.{qid}"
        yield from _entry(question.get("text"), ctx, [f"Question ({_scalar(question.get('type'))})."])
        yield from _entry(
            question.get("help_after"),
            ctx + ".help_after",
            ["Shown after the question: where to get help. Keep names, phone numbers and web addresses."],
        )
        options_node = question.get("options")
        if isinstance(options_node, yaml.SequenceNode):
            for option in options_node.value:
                if isinstance(option, yaml.MappingNode):
                    entry = _mapping(option)
                    oid = _scalar(entry.get("id"))
                    yield from _entry(entry.get("label"), f"{ctx}.{oid}", [_BUTTON_NOTE])


def _mapping(node: yaml.MappingNode) -> dict[str, yaml.Node]:
    return {str(k.value): v for k, v in node.value}


def _scalar(node: yaml.Node | None) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _entry(node: yaml.Node | None, context: str, comments: list[str]) -> Iterator[Extracted]:
    if isinstance(node, yaml.ScalarNode) and node.value:
        # Folded scalars (>-) are already joined by the composer's value.
        text = yaml.safe_load(yaml.serialize(node)) if node.style in (">", "|") else node.value
        yield node.start_mark.line + 1, "pgettext", (context, str(text)), comments
