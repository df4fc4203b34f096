"""Routes of the REST API, mounted at /api/v1/ (routing only; views live in the apps)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from claims.api import claimants, exchange, figures
from claims.api import claims as claims_api
from config.api.errors import api_not_found
from sources import api as sources_api
from sources import import_api, intake_api
from webhooks import api as webhooks_api

router = DefaultRouter()
# `/claims/similar?text=` and `/claims/similar/?text=` both work, without a redirect.
router.trailing_slash = "/?"
router.register("claims", claims_api.ClaimViewSet, basename="claim")
router.register("figures", figures.FigureViewSet, basename="figure")
router.register("claimants", claimants.ClaimantViewSet, basename="claimant")
router.register("ratings", claimants.RatingViewSet, basename="rating")
router.register("topics", claimants.TopicViewSet, basename="topic")
router.register("sources", sources_api.SourceViewSet, basename="source")
router.register("citations", sources_api.CitationViewSet, basename="citation")
router.register("checks", sources_api.SourceCheckViewSet, basename="sourcecheck")
router.register("snapshots", sources_api.SnapshotViewSet, basename="snapshot")
router.register("webhooks", webhooks_api.WebhookEndpointViewSet, basename="webhook")
router.register("imports", import_api.ImportJobViewSet, basename="importjob")

app_name = "api"

urlpatterns = [
    path("claims:search", exchange.FactCheckSearchView.as_view(), name="claims-search"),
    path("claimreview/", exchange.ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path(
        "claimreview/import/",
        import_api.ClaimReviewImportView.as_view(),
        name="claimreview-import",
    ),
    path("intake/", exchange.IntakeView.as_view(), name="intake"),
    path(
        "intake/candidates/",
        intake_api.IntakeCandidatesView.as_view(),
        name="intake-candidates",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
    # Anything else under /api/v1/ answers a JSON 404, not the site's HTML page.
    re_path(r"^.*$", api_not_found),
]
