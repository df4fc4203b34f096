"""Evidence benchmark: does every edit to a cited passage on a real news page get named?

    .venv/bin/python bench/evidence.py [--pages 120] [--per-page 4]

Over the real news pages in ../shared/corpus/news-pages/ (or $CLAIMWATCH_CORPUS/news-pages):

1. Cite sentences of each page's article text that hold a digit and appear once, literally, in
   the HTML (so an edit of the HTML edits exactly that sentence).
2. For each edit class, edit every cited sentence of the page in its HTML the way a publisher
   would, extract the page's visible text as a check does, and re-locate each excerpt
   (`sources.excerpts.locate_excerpt`, what `check_source` runs).
3. Score per class: number edits must be `figure_changed` naming the old and the new spelling;
   rewordings must be flagged (a state that flags the claim) with the new words in the diff;
   cosmetic edits and boilerplate churn must leave the passage `present` (anything else is a
   false alarm).
4. Recall: every sentence of the article text (with or without digits) located as `present` on
   the unchanged page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-evidence")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from sources.excerpts import SearchText, locate_excerpt  # noqa: E402
from sources.extraction import extract, normalise_for_matching  # noqa: E402
from sources.models import Citation  # noqa: E402


def corpus_dir() -> Path:
    """$CLAIMWATCH_CORPUS, else ../shared/corpus beside the checkout (or beside a worktree's
    parent folder)."""
    if os.environ.get("CLAIMWATCH_CORPUS"):
        return Path(os.environ["CLAIMWATCH_CORPUS"]) / "news-pages"
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "corpus" / "news-pages").is_dir():
            return base / "shared" / "corpus" / "news-pages"
    raise SystemExit("The news-page corpus was not found: set CLAIMWATCH_CORPUS.")


def load_pages(limit: int) -> list[dict]:
    folder = corpus_dir()
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted(folder.glob("*.html.gz"))[:limit]:
        page_id = path.name.removesuffix(".html.gz")
        if page_id in truth:
            html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            pages.append({"id": page_id, "html": html, "body": truth[page_id]["articleBody"]})
    return pages


def sentences_of(text: str, min_length: int = 60, max_length: int = 300) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if min_length <= len(p.strip()) <= max_length]


# --- Edits: each returns (edited sentence, old spelling, new spelling) or None ----------------

Edit = Callable[[str], "tuple[str, str, str] | None"]


def _bump(digits: str) -> str:
    """The digit run with its last digit changed (never to the same digit)."""
    last = int(digits[-1])
    return digits[:-1] + str((last + 7) % 10)


def _edit_first(pattern: str, flags: int = 0) -> Edit:
    regex = re.compile(pattern, flags)

    def edit(sentence: str) -> tuple[str, str, str] | None:
        match = regex.search(sentence)
        if not match:
            return None
        old = match.group()
        digit_runs = list(re.finditer(r"\d+", old))
        run = digit_runs[-1] if digit_runs else None
        if run is None:
            return None
        new = old[: run.start()] + _bump(run.group()) + old[run.end() :]
        return sentence[: match.start()] + new + sentence[match.end() :], old, new

    return edit


YEAR = r"(?<![\w.,:/-])(?:19|20)\d\d(?![\w:/-]|[.,]\d)"
TIME = r"\b\d{1,2}[:.]\d{2}\s?(?:[ap]\.?m\.?)?(?!\d)|\b\d{1,2}\s?[ap]\.m\."
DECIMAL = r"(?<![\w.,])\d+\.\d+(?![\d%]|\s?per\s?cent)"
PERCENT = r"(?<![\w.,])\d+(?:\.\d+)?\s?(?:%|per\s?cent|percent)"
THOUSANDS = r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d,])"
GLUED = r"\b[A-Za-z]+-?\d+[A-Za-z0-9]*\b|\b\d+[A-Za-z]+\b"
INTEGER = r"(?<![\w.,:/-])\d+(?![\w:/-]|[.,]\d)"

NUMBER_EDITS: dict[str, Edit] = {
    "year": _edit_first(YEAR),
    "time": _edit_first(TIME, re.IGNORECASE),
    "decimal": _edit_first(DECIMAL),
    "percentage": _edit_first(PERCENT, re.IGNORECASE),
    "thousands": _edit_first(THOUSANDS),
    "glued to a word": _edit_first(GLUED),
    "other integer": _edit_first(INTEGER),
}


def number_added(sentence: str) -> tuple[str, str, str] | None:
    words = sentence.split(" ")
    if len(words) < 8:
        return None
    at = len(words) // 2
    return " ".join([*words[:at], "17", *words[at:]]), "", "17"


def number_removed(sentence: str) -> tuple[str, str, str] | None:
    words = sentence.split(" ")
    for index, word in enumerate(words[1:-1], start=1):
        if re.fullmatch(r"\d[\d,.]*", word):
            return " ".join(words[:index] + words[index + 1 :]), word, ""
    return None


NUMBER_EDITS["number added"] = number_added
NUMBER_EDITS["number removed"] = number_removed

DIRECTIONS = {
    "increase": "decrease", "increased": "decreased", "rise": "fall", "rose": "fell",
    "up": "down", "more": "fewer", "higher": "lower", "grew": "shrank", "gained": "lost",
    "above": "below", "before": "after", "won": "lost", "over": "under", "most": "least",
    "first": "last", "largest": "smallest", "biggest": "smallest", "new": "old",
}  # fmt: skip
DIRECTIONS.update({new: old for old, new in list(DIRECTIONS.items()) if new not in DIRECTIONS})
AUXILIARIES = r"\b(is|was|are|were|will|would|can|could|has|have|had|did|does|should|may)\b"


def direction_swapped(sentence: str) -> tuple[str, str, str] | None:
    for match in re.finditer(r"[A-Za-z]+", sentence):
        swap = DIRECTIONS.get(match.group().lower())
        if swap:
            edited = sentence[: match.start()] + swap + sentence[match.end() :]
            return edited, match.group(), swap
    return None


def negation_inserted(sentence: str) -> tuple[str, str, str] | None:
    match = re.search(AUXILIARIES, sentence)
    if not match:
        return None
    return sentence[: match.end()] + " not" + sentence[match.end() :], "", "not"


def word_replaced(sentence: str) -> tuple[str, str, str] | None:
    words = [m for m in re.finditer(r"[A-Za-z]{6,}", sentence)]
    if not words:
        return None
    target = words[len(words) // 2]
    replacement = "reportedly" if target.group().lower() != "reportedly" else "allegedly"
    edited = sentence[: target.start()] + replacement + sentence[target.end() :]
    return edited, target.group(), replacement


REWORDINGS: dict[str, Edit] = {
    "direction word swapped": direction_swapped,
    "negation inserted": negation_inserted,
    "a word replaced": word_replaced,
}

# Cosmetic edits are made in the HTML (entities, nbsp and soft hyphens only exist there).
QUOTE_SWAPS = str.maketrans({"'": "’", '"': "“", "’": "'", "‘": "'", "“": '"', "”": '"'})


def quotes(sentence: str) -> str | None:
    edited = sentence.translate(QUOTE_SWAPS).replace(" - ", " – ")
    return edited if edited != sentence else None


def whitespace(sentence: str) -> str | None:
    words = sentence.split(" ")
    return "  ".join(words[: len(words) // 2]) + "\n  " + " ".join(words[len(words) // 2 :])


def entities(sentence: str) -> str | None:
    edited = sentence.replace("&", "&amp;").replace("'", "&#39;").replace("’", "&rsquo;")
    return re.sub(r"e", "&#101;", edited, count=2)


def nbsp(sentence: str) -> str | None:
    edited = re.sub(r"(\d) ", r"\1&nbsp;", sentence)
    return re.sub(r" ", "&nbsp;", edited, count=3)


def soft_hyphens(sentence: str) -> str | None:
    return re.sub(r"([A-Za-z]{4})([A-Za-z]{3,})", r"\1&shy;\2", sentence, count=3)


COSMETIC: dict[str, Callable[[str], str | None]] = {
    "quotes and dashes": quotes,
    "whitespace": whitespace,
    "entities": entities,
    "nbsp": nbsp,
    "soft hyphens": soft_hyphens,
}
CHURN_TOP = (
    '<div class="ad">Advertisement</div><p class="meta">Updated {n} minutes ago · {c} comments'
    '</p><ul class="related"><li><a href="/x">{n} things to know about 2026</a></li></ul>'
)
CHURN_AFTER = '<span class="ticker"> Updated {n} minutes ago. {c} comments. </span>'


@dataclass
class ClassScore:
    kind: str  # number, rewording, cosmetic, churn
    samples: int = 0
    caught: int = 0  # number: figure_changed; rewording: flagged; cosmetic/churn: present
    named: int = 0  # both spellings (number) / the new words (rewording) named
    false_alarms: int = 0
    misses: list = field(default_factory=list)


def _figure_named(match, old: str, new: str) -> bool:
    """A change names the edit when its spellings hold the edited ones or are held in them
    ("PM2" of "PM2.5", "2" of "2 a.m.", "2014" of "2014,"); an added number has no old one."""

    def same(spelling: str, wanted: str) -> bool:
        wanted = wanted.strip(" ,.;:)(")
        if not wanted or not spelling:
            return not wanted and not spelling
        return wanted in spelling or spelling in wanted

    return any(same(c.old, old) and same(c.new, new) for c in match.figure_changes)


def _words_named(match, new: str) -> bool:
    return any(new in op.new for op in match.diff if op.op != "equal")


def full_text(html: str) -> SearchText:
    return SearchText(extract(html.encode("utf-8"), "text/html; charset=utf-8").full_text)


def run(pages: list[dict], per_page: int) -> tuple[dict[str, ClassScore], list[int]]:
    scores: dict[str, ClassScore] = {}
    for name in NUMBER_EDITS:
        scores[name] = ClassScore("number")
    for name in REWORDINGS:
        scores[name] = ClassScore("rewording")
    for name in COSMETIC:
        scores[name] = ClassScore("cosmetic")
    scores["boilerplate churn (top)"] = ClassScore("churn")
    scores["boilerplate churn (next to the passage)"] = ClassScore("churn")
    recall = [0, 0, 0, 0]  # all sentences: present, total; literal in the HTML: present, total
    for number, page in enumerate(pages):
        html, body = page["html"], page["body"]
        unchanged = full_text(html)
        for sentence in sentences_of(body):
            present = locate_excerpt(sentence, unchanged).state == Citation.ExcerptState.PRESENT
            literal = html.count(sentence) >= 1
            recall[0] += present
            recall[1] += 1
            recall[2] += present and literal
            recall[3] += literal
        # A sentence the page shows twice (a summary, an AMP copy, an entity-encoded
        # duplicate) cannot be edited everywhere by replacing its one literal copy.
        candidates = [s for s in sentences_of(body) if html.count(s) == 1 and re.search(r"\d", s)]
        shown_once = [s for s in candidates if _shown_once(unchanged, s)]
        EXCLUDED[0] += len(candidates) - len(shown_once)
        cited = shown_once[:per_page]
        if not cited:
            continue
        for name, edit in {**NUMBER_EDITS, **REWORDINGS}.items():
            edits = [(s, edit(s)) for s in cited]
            edits = [(s, e) for s, e in edits if e is not None]
            if not edits:
                continue
            edited_html = html
            for sentence, (edited, _old, _new) in edits:
                edited_html = edited_html.replace(sentence, edited)
            search = full_text(edited_html)
            score = scores[name]
            for sentence, (edited, old, new) in edits:
                if normalise_for_matching(edited)[0] not in search.folded:
                    # The one literal copy was not what readers see (JSON in a script, say):
                    # the edited sentence is not on the page, the visible one was left as it was.
                    UNEDITED[0] += 1
                    continue
                match = locate_excerpt(sentence, search)
                score.samples += 1
                if score.kind == "number":
                    caught = match.state == Citation.ExcerptState.FIGURE_CHANGED
                    named = caught and _figure_named(match, old, new)
                else:
                    caught = match.state in Citation.MOVED_EVIDENCE
                    named = caught and (_words_named(match, new) or _figure_named(match, old, new))
                score.caught += caught
                score.named += named
                if not named and len(score.misses) < 5:
                    found = [str(c) for c in match.figure_changes]
                    score.misses.append((page["id"][:8], old, new, match.state, found, sentence))
        for name, edit in COSMETIC.items():
            edits = [(s, edit(s)) for s in cited]
            edits = [(s, e) for s, e in edits if e is not None]
            if not edits:
                continue
            edited_html = html
            for sentence, edited in edits:
                edited_html = edited_html.replace(sentence, edited)
            _score_present(scores[name], page, [s for s, _ in edits], full_text(edited_html))
        churn = CHURN_TOP.format(n=number % 50 + 2, c=number * 7 + 3)
        top = re.sub(r"(<body[^>]*>)", r"\1" + churn, html, count=1)
        _score_present(scores["boilerplate churn (top)"], page, cited, full_text(top))
        beside = html
        for index, sentence in enumerate(cited):
            ticker = CHURN_AFTER.format(n=index + number % 9 + 1, c=number * 3 + index)
            beside = beside.replace(sentence, sentence + ticker)
        _score_present(
            scores["boilerplate churn (next to the passage)"], page, cited, full_text(beside)
        )
        print(f"  page {number + 1}/{len(pages)}", file=sys.stderr, end="\r")
    return scores, recall


EXCLUDED = [0]  # digit sentences left out: shown more than once on their page
UNEDITED = [0]  # edits left out: the literal copy edited was not the visible one


def _shown_once(search: SearchText, sentence: str) -> bool:
    wanted = normalise_for_matching(sentence)[0]
    return search.folded.count(wanted) == 1


def _score_present(score: ClassScore, page: dict, cited: list[str], search: SearchText) -> None:
    for sentence in cited:
        match = locate_excerpt(sentence, search)
        score.samples += 1
        present = match.state == Citation.ExcerptState.PRESENT
        score.caught += present
        score.named += present
        if not present:
            score.false_alarms += 1
            if len(score.misses) < 5:
                score.misses.append((page["id"][:8], match.state, sentence[:90]))


def report(scores: dict[str, ClassScore], recall: list[int], pages: int, seconds: float) -> str:
    lines = [
        f"{pages} pages, {seconds:.0f} s, Python {platform.python_version()}, "
        f"{platform.machine()}.",
        "",
        "| class | kind | samples | caught | both values / new words named | false alarms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, score in scores.items():
        if score.kind in ("number", "rewording"):
            caught = f"{score.caught} ({100 * score.caught / max(1, score.samples):.1f}%)"
            named = f"{score.named} ({100 * score.named / max(1, score.samples):.1f}%)"
            alarms = "-"
        else:
            caught = f"{score.caught} present"
            named = "-"
            alarms = str(score.false_alarms)
        lines.append(f"| {name} | {score.kind} | {score.samples} | {caught} | {named} | {alarms} |")
    lines.append("")
    lines.append(
        f"Recall on unchanged pages: {recall[0]}/{recall[1]} sentences of the article text "
        f"present ({100 * recall[0] / max(1, recall[1]):.2f}%); of those written literally in the "
        f"HTML: {recall[2]}/{recall[3]} ({100 * recall[2] / max(1, recall[3]):.2f}%)."
    )
    lines.append(
        f"Sentences with digits left out of the edits because the page shows them more than "
        f"once (an edit of one copy would leave another): {EXCLUDED[0]}; edits left out "
        f"because the copy edited was not the one readers see (the edited sentence is not in the "
        f"visible text): {UNEDITED[0]}."
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--per-page", type=int, default=4)
    parser.add_argument("--misses", action="store_true", help="print the first misses per class")
    args = parser.parse_args()
    pages = load_pages(args.pages)
    started = time.monotonic()
    scores, recall = run(pages, args.per_page)
    print(report(scores, recall, len(pages), time.monotonic() - started))
    if args.misses:
        for name, score in scores.items():
            for miss in score.misses:
                print(name, *miss, sep=" | ")


if __name__ == "__main__":
    main()
