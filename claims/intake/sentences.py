"""Sentences of an article with their offsets: robust to quotes, abbreviations, headings and
table rows. Plain Python over the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "rt",
        "hon",
        "gov",
        "govt",
        "no",
        "nos",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "approx",
        "est",
        "dept",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "fig",
        "u.k",
        "u.s",
        "u.n",
        "a.m",
        "p.m",
    ]
)
OPEN_QUOTES, CLOSE_QUOTES = "“‘«", "”’»"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # sentence, heading, table


def split_sentences(text: str) -> list[Span]:
    """Sentences of an article with their offsets; headings and table rows are marked."""
    spans: list[Span] = []
    lines = list(re.finditer(r"[^\n]+", text))
    i = 0
    while i < len(lines):
        line = lines[i]
        start, end = line.start(), line.end()
        content = line.group().strip()
        if not content:
            i += 1
            continue
        # "According to the PM," on its own line introduces the quote on the next one.
        while (
            content.endswith((",", ":"))
            and i + 1 < len(lines)
            and lines[i + 1].group().lstrip()[:1] in OPEN_QUOTES + '"'
        ):
            i += 1
            end = lines[i].end()
            content = text[start:end].strip()
        i += 1
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        start += lead
        end = start + len(text[start:end].rstrip())
        if "|" in content or re.fullmatch(r"[-|:\s]+", content):
            spans.append(Span(start, end, "table"))
            continue
        if _looks_like_heading(content):
            spans.append(Span(start, end, "heading"))
            continue
        bullet = re.match(r"[-*•]\s+|\d+[.)]\s+", text[start:end])
        if bullet:
            start += bullet.end()
        spans.extend(_split_paragraph(text, start, end))
    return spans


def _looks_like_heading(line: str) -> bool:
    if line[-1:] in '.!?”"’:;,' or line.startswith((*OPEN_QUOTES, '"')):
        return False
    return len(line.split()) <= 14


def _split_paragraph(text: str, start: int, end: int) -> list[Span]:
    spans, sent_start, depth = [], start, 0
    pos = start
    while pos < end:
        ch = text[pos]
        if ch in OPEN_QUOTES and not (ch == "‘" and depth):
            depth += 1
        elif ch in "”»" or (ch == "’" and depth and not text[pos + 1 : pos + 2].isalpha()):
            depth = max(0, depth - 1)
        elif ch == '"':
            depth = 0 if depth else 1
        if ch in ".!?" and (depth == 0 or _closes_quote_and_sentence(text, pos, end)):
            stop = pos + 1
            while stop < end and text[stop] in CLOSE_QUOTES + '")]':
                stop += 1
            nxt = re.match(r"\s+", text[stop:end])
            if nxt and _is_boundary(text, sent_start, pos, stop + nxt.end()):
                spans.append(Span(sent_start, stop, "sentence"))
                sent_start = stop + nxt.end()
                depth = 0
                pos = sent_start
                continue
        pos += 1
    if sent_start < end and text[sent_start:end].strip():
        spans.append(Span(sent_start, end, "sentence"))
    return spans


def _closes_quote_and_sentence(text: str, pos: int, end: int) -> bool:
    """`…acted.” The next` ends a sentence even though we were inside a quote."""
    return bool(re.match(r"[.!?][”\"’]\s+[A-Z“\"]", text[pos : min(end, pos + 5)]))


def _is_boundary(text: str, sent_start: int, dot: int, next_start: int) -> bool:
    following = text[next_start : next_start + 1]
    if not following or not (following.isupper() or following.isdigit() or following in '“"‘'):
        return False
    if text[dot] != ".":
        return True
    word = re.search(r"([\w.]+)$", text[sent_start:dot])
    if word is None:
        return True
    token = word.group(1).lower()
    if token in ABBREVIATIONS or token.rstrip(".") in ABBREVIATIONS:
        return False
    # An initial ("J. Smith") is not the end of a sentence.
    return not (len(token) == 1 and token.isalpha() and text[dot - 1].isupper())
