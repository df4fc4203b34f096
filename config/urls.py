from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from claims.caching import cached_public_page
from claims.sitemaps import SITEMAPS
from claims.views import robots_txt
from config import desk  # noqa: F401  (registers the desk's sources section)
from ops import health, metrics
from sources.admin import claim_intake_view

# Django's own errors answer in the API's JSON format under /api/, the site's pages elsewhere.
handler400 = "config.api.errors.django_bad_request"
handler403 = "config.api.errors.django_permission_denied"
handler404 = "config.api.errors.django_page_not_found"
handler500 = "config.api.errors.django_server_error"

admin.site.site_header = _("Claimwatch editors")
admin.site.site_title = "Claimwatch"
admin.site.index_title = _("Claims, sources and verdicts")

urlpatterns = [
    # Operations (ops/health.py, ops/metrics.py): probes and Prometheus scrape.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # The claim intake screen fetches and cites the article, so it is sources' view (claims may
    # not import sources); it sits at the claim admin's address, ahead of the admin's own URLs.
    path(
        "admin/claims/claim/intake/",
        admin.site.admin_view(claim_intake_view),
        name="admin_claim_intake",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    path(
        "sitemap.xml",
        cached_public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    # The language switcher's form sits on cached public pages, which carry no CSRF token (a
    # token would make every page uncacheable); choosing a language changes nothing but a
    # preference cookie, so the view does without it.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
]

# Public pages in every language: /claims/... in the default language (its URLs unchanged),
# /es/claims/... in Spanish. The admin, the API, the sitemap and the probes keep one address.
urlpatterns += i18n_patterns(
    path("sources/", include("sources.urls")),
    path("", include("claims.urls")),
    prefix_default_language=False,
)
