"""The editor's desk: what the admin index shows each editor and reviewer.

Sections are small reads of claims (my drafts, awaiting review, needs attention, recently
published). Apps that build on claims add their own section with `register_section` (the
project registers the broken-sources one in config/desk.py), so the desk never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from claims import workflow
from claims.models import Claim

ROWS_PER_SECTION = 10
# Citation states that need no editor: nothing to say about them on the desk.
QUIET_EXCERPT_STATES = ("present", "unknown")

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class DeskRow:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class DeskSection:
    key: str
    title: str
    rows: list[DeskRow] = field(default_factory=list)
    more_url: str = ""
    empty: str = _("Nothing here.")


Section = Callable[[User], DeskSection | None]
_registered: list[Section] = []


def register_section(section: Section) -> Section:
    """Add a section (a function of the user, None to show nothing) after the claims' own."""
    if section not in _registered:
        _registered.append(section)
    return section


def desk_for(user: User) -> list[DeskSection]:
    """The desk of `user`: empty for someone who cannot edit claims."""
    if not workflow.can_edit(user):
        return []
    builders: list[Section] = [
        my_drafts,
        awaiting_review,
        needs_attention,
        recently_published,
        *_registered,
    ]
    return [section for build in builders if (section := build(user)) is not None]


def _short_date(value) -> str:
    """A date the way the editor's language writes it in short ("2 Dec 2026", "2 dic 2026")."""
    return date_format(value, "j M Y", use_l10n=True)


def _change_url(claim: Claim) -> str:
    return reverse("admin:claims_claim_change", args=[claim.pk])


def _list_url(**filters: str) -> str:
    return reverse("admin:claims_claim_changelist") + "?" + urlencode(filters)


def my_drafts(user: User) -> DeskSection:
    claims = Claim.objects.drafts().filter(created_by=user.pk).order_by("-updated_at")
    return DeskSection(
        "drafts",
        _("My drafts"),
        [
            DeskRow(
                c.title,
                _change_url(c),
                _("%(claimant)s · edited %(when)s")
                % {"claimant": c.claimant, "when": _short_date(c.updated_at)},
            )
            for c in claims.select_related("claimant")[:ROWS_PER_SECTION]
        ],
        more_url=_list_url(status="draft"),
        empty=_("No drafts of yours. Start one with “Intake from article”."),
    )


def awaiting_review(user: User) -> DeskSection | None:
    if not workflow.can_publish(user):
        return None
    claims = Claim.objects.in_review().select_related("claimant", "rating", "created_by")
    return DeskSection(
        "review",
        _("Awaiting review"),
        [
            DeskRow(
                c.title,
                _change_url(c),
                _("%(claimant)s · proposed %(rating)s · by %(author)s")
                % {
                    "claimant": c.claimant,
                    "rating": c.rating.shown_label if c.rating else _("no rating"),
                    "author": c.created_by or _("someone"),
                },
            )
            for c in claims.order_by("updated_at")[:ROWS_PER_SECTION]
        ],
        more_url=_list_url(status="in_review"),
        empty=_("Nothing is waiting for review."),
    )


def attention_line(claim: Claim) -> str:
    """One line on why the claim needs attention: monitoring's reason, then what each moved
    citation now says (the citation's own `attention_line()` when its app provides one)."""
    parts = [claim.attention_reason.strip().splitlines()[0]] if claim.attention_reason else []
    # claims does not import sources: citations come through the reverse relation.
    for citation in claim.citations.all():
        if citation.excerpt_state in QUIET_EXCERPT_STATES:
            continue
        own = getattr(citation, "attention_line", None)
        if callable(own):
            parts.append(str(own()))
            continue
        line = f"{citation.source}: {str(citation.get_excerpt_state_display()).lower()}"
        if citation.cited_figure or citation.found_figure:
            line += " " + _("(cited %(cited)s, found %(found)s)") % {
                "cited": citation.cited_figure or "—",
                "found": citation.found_figure or "—",
            }
        parts.append(line)
    return "; ".join(dict.fromkeys(parts)) or str(_("Evidence changed."))


def needs_attention(user: User) -> DeskSection:
    claims = (
        Claim.objects.needing_attention()
        .prefetch_related("citations__source")
        .order_by("-updated_at")[:ROWS_PER_SECTION]
    )
    return DeskSection(
        "attention",
        _("Needs attention"),
        [DeskRow(c.title, _change_url(c), attention_line(c)) for c in claims],
        more_url=_list_url(needs_attention__exact="1"),
        empty=_("No claim’s evidence has moved."),
    )


def recently_published(user: User) -> DeskSection:
    claims = Claim.objects.published().select_related("rating").order_by("-published_at")
    return DeskSection(
        "published",
        _("Recently published"),
        [
            DeskRow(
                c.title,
                _change_url(c),
                f"{c.rating.shown_label if c.rating else ''} · {_short_date(c.published_at)}",
            )
            for c in claims[:ROWS_PER_SECTION]
        ],
        more_url=_list_url(status="published"),
        empty=_("Nothing published yet."),
    )
