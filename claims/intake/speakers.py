"""Who a sentence attributes its content to, and which known claimant that is.

Plain functions of the sentence and the claimants given: nothing is looked up here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from claims.checkworthiness.cues import SPEECH_VERBS
from claims.models import Claimant

_NAME = r"[A-Z][\w’'.-]*"
_SPEAKER = rf"(?:[Tt]he\s+)?(?:{_NAME}\s+){{0,5}}{_NAME}"
ACCORDING_RE = re.compile(
    rf"\b[Aa]ccording\s+to\s+(?P<who>(?:the\s+)?(?:{_NAME}\s+)*{_NAME}|the\s+(?:[a-z]+\s+){{0,2}}"
    r"(?:government|minister|department|office|council|police|regulator|authorities|figures|data))\b"
)
QUOTE_THEN_SPEAKER_RE = re.compile(
    rf"[”\"’],?\s*(?:(?P<who>{_SPEAKER}|he|she|they)\s+(?:{SPEECH_VERBS})|(?:{SPEECH_VERBS})\s+(?P<who2>{_SPEAKER}))\b"
)
SPEAKER_VERB_RE = re.compile(
    rf"(?P<who>{_SPEAKER})(?:,[^,]{{1,60}},)?\s+(?:has\s+|have\s+|had\s+|also\s+)?(?:{SPEECH_VERBS})\b"
)
PRONOUNS = {"he", "she", "they"}
ROLE_ABBREVIATIONS = {"Prime Minister": "PM", "Member of Parliament": "MP"}


def find_speaker(sentence: str) -> str:
    """Who the sentence attributes its content to: "according to the government" → "the government"."""
    for regex in (QUOTE_THEN_SPEAKER_RE, ACCORDING_RE, SPEAKER_VERB_RE):
        m = regex.search(sentence)
        if m:
            who = m.group("who") if m.group("who") else m.groupdict().get("who2")
            if who:
                return _tidy_speaker(who)
    return ""


def _tidy_speaker(who: str) -> str:
    who = re.sub(r"\s+", " ", who).strip(" ,’'")
    first, _, rest = who.partition(" ")
    if first in {"The", "the"} and rest:
        return f"the {rest}"
    # "In Budapest the Prime Minister": keep from the last "the" on.
    m = re.search(r"\bthe\s+[A-Z].*$", who)
    return m.group() if m and m.start() else who


def claimant_index(claimants: Iterable[Claimant]) -> list[tuple[re.Pattern, Claimant, str]]:
    index = []
    for claimant in claimants:
        names = {claimant.name}
        if claimant.kind == Claimant.Kind.PERSON and len(claimant.name.split()) > 1:
            names.add(claimant.name.split()[-1])  # "Cooper said"
        if claimant.role:
            names.add(claimant.role)
            # "Prime Minister of the United Kingdom" is "the Prime Minister" in copy.
            names.add(re.split(r"\s+(?:of|for|to)\s+", claimant.role)[0])
        for long_form, short_form in ROLE_ABBREVIATIONS.items():
            if any(long_form in n for n in names):
                names.add(short_form)
        if claimant.kind == Claimant.Kind.GOVERNMENT:
            names.add(claimant.name.split()[-1])  # "UK Government" → "the government"
        for name in names:
            if len(name) < 2:
                continue
            # "PM" only in capitals (not "4 pm"); names in any case.
            flags = 0 if name.isupper() else re.IGNORECASE
            index.append((re.compile(rf"\b{re.escape(name)}\b", flags), claimant, name))
    return index


def match_claimant(
    sentence: str, speaker: str, index: list[tuple[re.Pattern, Claimant, str]]
) -> tuple[Claimant | None, str]:
    # The attributed speaker wins over any claimant merely mentioned in the sentence.
    for haystack in (speaker, sentence):
        if not haystack:
            continue
        for pattern, claimant, name in index:
            if pattern.search(haystack):
                return claimant, name
    return None, ""


# --- where the claim was made -------------------------------------------------------------

_VENUE_NOUNS = (
    "meeting|summit|conference|convention|rally|debate|hearing|session|forum|congress|"
    "assembly|speech|address|interview|briefing|press conference|news conference|event|"
    "hustings|question time|questions|committee|dinner|ceremony|visit|festival|town hall"
)
_CAPITALISED = r"(?:[A-Z][\w’'&.-]*|\([A-Z][\w.]*\)|of|and|for|on|the|de)"
VENUE_RE = re.compile(
    rf"\b(?P<prep>[Aa]t|[Dd]uring)\s+(?P<venue>(?:(?:the|a|an|his|her|their|its)\s+)?"
    rf"(?:{_CAPITALISED}\s+){{0,8}}?(?i:{_VENUE_NOUNS})"
    rf"(?:\s+(?:in|at)\s+[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){{0,2}})?)\b"
)
# "In Budapest, the Prime Minister announced": a place that opens the sentence.
OPENING_PLACE_RE = re.compile(r"^In\s+(?P<place>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,2}),")
_NOT_PLACES = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Addition",
        "Fact",
        "Short",
        "Total",
        "Contrast",
        "Particular",
        "General",
        "Response",
        "Turn",
        "Practice",
        "Theory",
        "Reality",
        "Recent",
        "Spite",
    ]
)


def find_place(sentence: str) -> str:
    """Where the sentence says its claim was made: "at the EPC meeting in Budapest",
    "in Budapest"; "" when it does not say."""
    match = VENUE_RE.search(sentence)
    # The venue noun must be a noun of the sentence, not inside a capitalised name's tail.
    if match and not re.search(r"\b(?:meeting|hearing|speech)s?\s+(?:that|which)\b", match.group()):
        venue = re.sub(r"\s+", " ", match.group("venue"))
        return f"{match.group('prep').lower()} {venue}"
    opening = OPENING_PLACE_RE.match(sentence)
    if opening and opening.group("place").split()[0] not in _NOT_PLACES:
        return f"in {opening.group('place')}"
    return ""


# --- a claimant to propose when none is known ----------------------------------------------

ROLE_WORDS = frozenset(
    [
        "President",
        "Vice",
        "Prime",
        "Minister",
        "Secretary",
        "Chancellor",
        "Senator",
        "Sen.",
        "Rep.",
        "Representative",
        "Governor",
        "Gov.",
        "Mayor",
        "Chief",
        "Executive",
        "Director",
        "Chairman",
        "Chair",
        "Chairwoman",
        "Leader",
        "Speaker",
        "Attorney",
        "General",
        "Commissioner",
        "Ambassador",
        "Home",
        "Foreign",
        "Health",
        "Defence",
        "Defense",
        "Justice",
        "Education",
        "Treasury",
        "Shadow",
        "Deputy",
        "State",
        "Party",
        "MP",
        "MEP",
        "Judge",
        "Justice",
        "Sheriff",
        "Officer",
        "Coach",
        "Professor",
        "Prof.",
        "Sir",
        "Dame",
        "Lord",
        "Lady",
    ]
)


@dataclass(frozen=True)
class ProposedClaimant:
    """A claimant not yet in Claimwatch, as the article names them."""

    name: str
    role: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role}


def propose_claimant(speaker: str, text: str) -> ProposedClaimant | None:
    """The speaker as a new claimant: a surname ("Cooper") widened to the fullest form the
    article uses ("Home Secretary Yvette Cooper" → Yvette Cooper, Home Secretary)."""
    speaker = re.sub(r"^the\s+", "", speaker.strip())
    if not speaker or speaker.lower() in PRONOUNS or not speaker[:1].isupper():
        return None
    words = speaker.split()
    fullest = speaker
    # Names do not run across lines: a heading above is not part of one.
    name_run = rf"((?:(?:[A-Z][\w’'.-]*|of|the|for) ){{1,6}}){re.escape(words[-1])}\b"
    for match in re.finditer(name_run, text):
        candidate = re.sub(r"^(?:(?:of|the|for|The|[A-Z]\w+ing) )+", "", match.group(0)).strip()
        if speaker in candidate and len(candidate) > len(fullest):
            fullest = candidate
    tokens = fullest.split()
    # "Israeli Prime Minister Benjamin Netanyahu": the role runs to its last role word.
    role_end = max((n + 1 for n, t in enumerate(tokens[:-1]) if t in ROLE_WORDS), default=0)
    name = " ".join(tokens[role_end:])
    role = " ".join(tokens[:role_end])
    if name in ROLE_WORDS or not name[:1].isupper() or all(t in ROLE_WORDS for t in tokens):
        # "the Prime Minister", "High Commissioner for Human Rights": the office itself.
        return ProposedClaimant(name=fullest)
    return ProposedClaimant(name=name, role=role)
