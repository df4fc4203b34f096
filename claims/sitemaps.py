"""sitemap.xml: published fact checks, claimants with published claims, topics, static pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from claims import selectors
from claims.models import Claim, Claimant, Topic


class CanonicalSitemap(Sitemap):
    """Locations on settings.SITE_URL, whichever host name the sitemap was requested from; each
    page once per language, with its `hreflang` alternates and `x-default`."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class ClaimSitemap(CanonicalSitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self) -> QuerySet[Claim]:
        return (
            Claim.objects.published()
            .order_by("-published_at", "pk")
            .only("pk", "slug", "updated_at", "published_at")
        )

    def lastmod(self, item: Claim):
        return item.updated_at


class ClaimantSitemap(CanonicalSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> QuerySet[Claimant]:
        return selectors.claimants_for_sitemap()

    def lastmod(self, item: Claimant):
        return item.latest


class TopicSitemap(CanonicalSitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet[Topic]:
        return selectors.topics_for_sitemap()

    def lastmod(self, item: Topic):
        return item.latest


class StaticSitemap(CanonicalSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self) -> list[str]:
        return ["claims:home", "claims:claim_list", "claims:about"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {
    "claims": ClaimSitemap,
    "claimants": ClaimantSitemap,
    "topics": TopicSitemap,
    "pages": StaticSitemap,
}
