"""RSS 2.0 and Atom feeds of published fact checks: site-wide, per claimant, per topic.

The feed writers scrub every text they are given (claims.hygiene.scrub_text): XML 1.0 cannot
carry a control character, and Django's XML writer raises on one, so a single bad character
stored before text was cleaned at the edges would otherwise take every feed down.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from claims.hygiene import scrub_structure
from claims.models import Claim, Claimant, Topic

FEED_SIZE = 30


def _published() -> QuerySet[Claim]:
    return (
        Claim.objects.published()
        .select_related("claimant", "rating")
        .order_by("-published_at", "-pk")
    )


class _ScrubbedFeedMixin:
    """A feed generator whose feed and item fields are scrubbed before any XML is written."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*scrub_structure(list(args)), **scrub_structure(kwargs))

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*scrub_structure(list(args)), **scrub_structure(kwargs))


class ScrubbedRssFeed(_ScrubbedFeedMixin, Rss201rev2Feed):
    pass


class ScrubbedAtomFeed(_ScrubbedFeedMixin, Atom1Feed):
    pass


class LatestFactChecksFeed(Feed):
    """Newest published fact checks; item text is plain (the syndication framework escapes)."""

    feed_type = ScrubbedRssFeed
    description_template = None

    def title(self, obj=None) -> str:
        return _("%(site)s: latest fact checks") % {"site": settings.SITE_NAME}

    def link(self, obj=None) -> str:
        return settings.SITE_URL + reverse("claims:claim_list")

    def description(self, obj=None) -> str:
        return _("Fact checks published by %(publisher)s.") % {"publisher": settings.PUBLISHER_NAME}

    def items(self, obj=None) -> QuerySet[Claim]:
        return _published()[:FEED_SIZE]

    def item_title(self, item: Claim) -> str:
        return f"{item.rating.shown_label}: {item.title}"

    def item_description(self, item: Claim) -> str:
        return _("%(claimant)s said: “%(text)s” Verdict: %(verdict)s") % {
            "claimant": item.claimant.name,
            "text": item.text,
            "verdict": item.verdict_summary,
        }

    def item_link(self, item: Claim) -> str:
        # Absolute on the canonical domain, whichever host name the feed was fetched from.
        return settings.SITE_URL + item.get_absolute_url()

    def item_pubdate(self, item: Claim):
        return item.published_at

    def item_updateddate(self, item: Claim):
        # Updated when a correction or an update changed what readers see, not on every save
        # (an attention flag or a slug change is no news to subscribers).
        return item.modified_for_readers_at

    def item_author_name(self, item: Claim) -> str:
        return settings.PUBLISHER_NAME

    def item_categories(self, item: Claim) -> list[str]:
        return [item.rating.shown_label, item.claimant.name]


class LatestFactChecksAtom(LatestFactChecksFeed):
    feed_type = ScrubbedAtomFeed
    subtitle = LatestFactChecksFeed.description


class ClaimantFeed(LatestFactChecksFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Claimant:
        return get_object_or_404(Claimant.objects.with_public_claims(), slug=slug)

    def title(self, obj: Claimant) -> str:
        return _("%(site)s: fact checks of %(name)s") % {
            "site": settings.SITE_NAME,
            "name": obj.name,
        }

    def link(self, obj: Claimant) -> str:
        return settings.SITE_URL + obj.get_absolute_url()

    def description(self, obj: Claimant) -> str:
        return _("Claims by %(name)s checked by %(publisher)s.") % {
            "name": obj.name,
            "publisher": settings.PUBLISHER_NAME,
        }

    def items(self, obj: Claimant) -> QuerySet[Claim]:
        return _published().filter(claimant=obj)[:FEED_SIZE]


class ClaimantAtom(ClaimantFeed):
    feed_type = ScrubbedAtomFeed
    subtitle = ClaimantFeed.description


class TopicFeed(LatestFactChecksFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Topic:
        return get_object_or_404(Topic.objects.with_public_claims(), slug=slug)

    def title(self, obj: Topic) -> str:
        return _("%(site)s: fact checks about %(name)s") % {
            "site": settings.SITE_NAME,
            "name": obj.name,
        }

    def link(self, obj: Topic) -> str:
        return settings.SITE_URL + obj.get_absolute_url()

    def description(self, obj: Topic) -> str:
        return _("Fact checks about %(name)s.") % {"name": obj.name}

    def items(self, obj: Topic) -> QuerySet[Claim]:
        return _published().filter(topics=obj)[:FEED_SIZE]


class TopicAtom(TopicFeed):
    feed_type = ScrubbedAtomFeed
    subtitle = TopicFeed.description
