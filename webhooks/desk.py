"""The desk section of disabled webhook endpoints (registered with claims.desk)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from claims.desk import ROWS_PER_SECTION, DeskRow, DeskSection, User, register_section
from webhooks.models import WebhookEndpoint


@register_section
def disabled_webhooks(user: User) -> DeskSection | None:
    """Endpoints switched off after failing, for whoever manages webhooks."""
    if not user.has_perm("webhooks.change_webhookendpoint"):
        return None
    endpoints = WebhookEndpoint.objects.filter(enabled=False, disabled_at__isnull=False)
    rows = [
        DeskRow(
            str(endpoint),
            reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]),
            f"{endpoint.disabled_at:%d %b %Y %H:%M} · {endpoint.disabled_reason}",
        )
        for endpoint in endpoints.order_by("-disabled_at")[:ROWS_PER_SECTION]
    ]
    if not rows:
        return None
    return DeskSection(
        "webhooks",
        _("Webhooks disabled after failing"),
        rows,
        more_url=reverse("admin:webhooks_webhookendpoint_changelist") + "?enabled__exact=0",
    )
