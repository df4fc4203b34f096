from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from claims.caching import cached_public_page
from claims.sitemaps import SITEMAPS
from claims.views import robots_txt
from ops import health, metrics

admin.site.site_header = "Claimwatch editors"
admin.site.site_title = "Claimwatch"
admin.site.index_title = "Claims, sources and verdicts"

urlpatterns = [
    # Operations (ops/health.py, ops/metrics.py): probes and Prometheus scrape.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api.urls")),
    path(
        "sitemap.xml",
        cached_public_page(sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sources/", include("sources.urls")),
    path("", include("claims.urls")),
]
