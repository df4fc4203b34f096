from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        # Public page cache invalidation on editorial changes; the receivers use the models,
        # which are only importable once the app registry is ready.
        from claims.caching import connect_claims_signals

        connect_claims_signals()

        # Pages emptied by a change are rendered again in the background (claims.warmup).
        from claims.caching import pages_invalidated
        from claims.tasks import request_warm_up

        pages_invalidated.connect(request_warm_up, dispatch_uid="public-page-warm-up")

        # Intake scores with the trained model: refuse to start without a loadable one.
        from django.core import checks

        from claims.checkworthiness.loading import check_artefact

        checks.register(check_artefact)
