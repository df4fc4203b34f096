from django.contrib import admin
from django.urls import include, path

from config import health, metrics

admin.site.site_header = "Claimwatch editors"
admin.site.site_title = "Claimwatch"
admin.site.index_title = "Claims, sources and verdicts"

urlpatterns = [
    # Operations (config/health.py, config/metrics.py): probes and Prometheus scrape.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("", include("claims.urls")),
]
