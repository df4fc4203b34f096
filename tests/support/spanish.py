"""A Spanish desk for tests of the translated interface: every text an editor writes (claims,
claimants, topics, the rating scale, sources, notes) is in Spanish, so any English left on a
page rendered in Spanish is the interface's own; and the catalogue's English strings to look for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language_info

from claims.models import Claim, ClaimEvent, Correction, Figure, Rating
from sources.models import Citation, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
)

SPANISH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Placeholders, HTML tags and escaped percent signs split a message into the words readers see.
MESSAGE_SPLIT = re.compile(r"%\([a-z_]+\)[sdr]|\{\}|<[^>]+>|%%")
# Words are what a page could show; shorter pieces ("OK", "at") match too much by chance.
MIN_FRAGMENT_LETTERS = 4


@dataclass
class SpanishDesk:
    claim: Claim
    repeat: Claim
    withdrawn: Claim
    draft: Claim
    source: Source
    snapshot_pks: tuple[int, int]


def spanish_rating_scale() -> None:
    """The default scale relabelled as a Spanish desk would: the admin shows (and edits) the
    labels as stored, so on the desk they are the desk's own words."""
    for rating in Rating.objects.all():
        rating.label = f"Escalón {rating.value}"
        rating.description = f"Descripción del escalón {rating.value} de la escala."
        rating.save()


def build_spanish_desk(editor, *, relabel_scale: bool) -> SpanishDesk:
    """Published, corrected, repeated, withdrawn, draft and in-review claims, in Spanish, with
    figures, a source whose cited figure changed, two archived versions and a broken source.
    Without `relabel_scale` the default (English) scale stays: readers get it translated."""
    if relabel_scale:
        spanish_rating_scale()
    now = timezone.now()
    rating = Rating.objects.order_by("-value").first()
    claimant = ClaimantFactory(
        name="Ministerio del Interior",
        kind="government",
        role="Ministra",
        description="Departamento del Gobierno.",
    )
    topic = TopicFactory(name="Migración")
    repeat = PublishedClaimFactory(
        title="Devoluciones récord en 2023",
        text="Nunca se devolvió a tantas personas.",
        claimant=claimant,
        rating=rating,
        verdict_summary="Coincide con los datos oficiales.",
        published_at=now - timedelta(days=40),
    )
    claim = PublishedClaimFactory(
        title="9400 personas devueltas, un 19 % más que en 2023",
        text="Hemos devuelto a 9400 personas sin derecho a quedarse, un aumento del 19 %.",
        claimant=claimant,
        rating=rating,
        status=Claim.Status.CORRECTED,
        verdict_summary="El aumento implica unas 7900 personas en 2023.",
        analysis="Las cifras **del Gobierno** cuadran.",
        venue="Rueda de prensa",
        appearance_url="https://www.gob.es/noticias/devoluciones",
        stated_on=timezone.localdate() - timedelta(days=12),
        published_at=now - timedelta(days=10),
        needs_attention=True,
        attention_reason="La fuente cambió su cifra.",
        repeat_of=repeat,
    )
    claim.topics.add(topic)
    repeat.topics.add(topic)
    ClaimEvent.objects.create(
        claim=claim,
        kind=ClaimEvent.Kind.STATUS,
        from_status="in_review",
        to_status="published",
        to_rating=rating,
        at=claim.published_at,
    )
    lower = Rating.objects.order_by("value").first()
    ClaimEvent.objects.create(
        claim=claim,
        kind=ClaimEvent.Kind.RATING,
        from_rating=lower,
        to_rating=rating,
        at=now - timedelta(days=5),
    )
    Correction.objects.create(
        claim=claim,
        kind=Correction.Kind.CORRECTION,
        what_changed="Se corrigió el año de referencia.",
        reason="Un error de transcripción.",
        previous_rating=lower,
        new_rating=rating,
    )
    Correction.objects.create(
        claim=claim, kind=Correction.Kind.UPDATE, what_changed="Se añadió un enlace."
    )
    FigureFactory(
        claim=claim,
        label="Personas devueltas",
        value=Decimal("9400"),
        unit=Figure.Unit.PEOPLE,
        period="2024",
        baseline_value=Decimal("7899"),
        baseline_period="2023",
        stated_change_pct=Decimal("19"),
    )
    FigureFactory(
        claim=claim,
        label="Gasto",
        value=Decimal("75000000"),
        unit=Figure.Unit.GBP,
        approximation=Figure.Approximation.NEARLY,
        period="2024",
        stated_change_pct=Decimal("-5"),
        position=1,
    )
    FigureFactory(
        claim=claim, label="Solicitudes", value=Decimal("1.5"), unit="percent", position=2
    )
    source = SourceFactory(
        url="https://www.gob.es/estadisticas/devoluciones",
        title="Estadísticas de devoluciones",
        publisher="Ministerio del Interior",
        kind=Source.Kind.OFFICIAL_STATISTICS,
        state=Source.State.CHANGED,
        last_checked_at=now - timedelta(hours=3),
    )
    older = SnapshotFactory(
        source=source, title="Estadísticas", main_text="Se devolvió a 9400 personas en 2024."
    )
    newer = SnapshotFactory(
        source=source, title="Estadísticas", main_text="Se devolvió a 9500 personas en 2024."
    )
    Source.objects.filter(pk=source.pk).update(current_snapshot=newer)
    CitationFactory(
        claim=claim,
        source=source,
        role=Citation.Role.SUPPORTS,
        excerpt="Se devolvió a 9400 personas en 2024.",
        cited_figure="9400",
        found_figure="9500",
        excerpt_state=Citation.ExcerptState.FIGURE_CHANGED,
        figure_changes=[{"old": "9400", "new": "9500"}, {"old": "2023", "new": "2024"}],
        evidence_changed_at=now - timedelta(hours=3),
    )
    CitationFactory(claim=repeat, source=source, excerpt="Nunca tantas devoluciones.")
    withdrawn = PublishedClaimFactory(
        title="Una afirmación retirada", claimant=claimant, status=Claim.Status.WITHDRAWN
    )
    ClaimEvent.objects.create(
        claim=withdrawn,
        kind=ClaimEvent.Kind.STATUS,
        from_status="published",
        to_status="withdrawn",
        note="Se basaba en una fuente equivocada.",
        at=now - timedelta(days=1),
    )
    draft = ClaimFactory(
        title="Un borrador de la redactora",
        text="Texto del borrador.",
        claimant=claimant,
        created_by=editor,
    )
    ClaimFactory(
        title="Una afirmación en revisión",
        claimant=claimant,
        text="Texto en revisión.",
        status=Claim.Status.IN_REVIEW,
        rating=rating,
        verdict_summary="Resumen propuesto.",
        created_by=editor,
    )
    SourceFactory(
        url="https://www.gob.es/caida",
        title="Página caída",
        publisher="Ministerio",
        state=Source.State.BROKEN,
        state_changed_at=now - timedelta(days=2),
    )
    return SpanishDesk(claim, repeat, withdrawn, draft, source, (older.pk, newer.pk))


def english_interface_strings() -> list[str]:
    """The English pieces of every message the Spanish catalogue translates differently:
    what a page rendered in Spanish must not contain. Pieces that the Spanish catalogue uses
    too (names such as ClaimReview) are left out, and so are the languages' own names (the
    switcher offers "English" in English)."""
    catalogue = read_po(SPANISH_CATALOGUE.open("rb"))
    own_names = {get_language_info(code)["name_local"] for code, _name in settings.LANGUAGES}
    spanish = " ".join(
        " ".join(m.string) if isinstance(m.string, tuple) else m.string for m in catalogue if m.id
    )
    fragments: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if set(ids) == set(strings):
            continue
        for msgid in ids:
            for piece in MESSAGE_SPLIT.split(msgid):
                piece = " ".join(piece.split()).strip(" .,:;·()–—→←“”\"'")
                if sum(c.isalpha() for c in piece) < MIN_FRAGMENT_LETTERS:
                    continue
                if contains_phrase(spanish, piece) or piece in own_names:
                    continue
                fragments.add(piece)
    return sorted(fragments)


def contains_phrase(text: str, phrase: str) -> bool:
    """Whether `phrase` occurs in `text` as whole words (case-sensitive)."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


class _VisibleText(HTMLParser):
    """Text a reader sees or hears: element text and the attributes shown or read aloud."""

    SPOKEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.hidden += 1
        attributes = dict(attrs)
        if tag == "img" and "/admin/img/" in (attributes.get("src") or ""):
            # Django's own admin icons carry untranslated alt texts (alt="Search"): not ours.
            attributes.pop("alt", None)
        for name in self.SPOKEN_ATTRIBUTES:
            if attributes.get(name):
                self.parts.append(attributes[name])
        if (
            tag == "input"
            and attributes.get("type") in ("submit", "button")
            and attributes.get("value")
        ):
            self.parts.append(attributes["value"])
        if tag == "meta" and attributes.get("name") == "description":
            self.parts.append(attributes.get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


# Addresses shown as text (the print masthead, feeds) are not words of the interface.
ADDRESS = re.compile(r"(?:https?://|/)[\w./%?=&#~+-]*")


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return ADDRESS.sub(" ", " ".join(" ".join(parser.parts).split()))


def english_left(html: str, english: list[str]) -> list[str]:
    """The catalogue's English strings found in the page's visible text."""
    text = visible_text(html)
    return [phrase for phrase in english if contains_phrase(text, phrase)]
