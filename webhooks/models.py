"""Webhook subscriptions, the outbox of events and the log of their deliveries.

An event (WebhookEvent) and one WebhookDelivery per subscribed endpoint are written in the
transaction of the change they announce (webhooks.receivers), so a rolled-back change leaves
nothing to send and a broker outage at commit loses nothing: the sweep finds pending rows.
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CLAIM_PUBLISHED = "claim.published", _("Claim published")
    CLAIM_CORRECTED = "claim.corrected", _("Claim corrected")
    CLAIM_UPDATED = "claim.updated", _("Claim updated")
    CLAIM_WITHDRAWN = "claim.withdrawn", _("Claim withdrawn")
    EVIDENCE_CHANGED = "claim.needs_attention", _("Evidence changed (claim needs attention)")
    SOURCE_BROKEN = "source.broken", _("Source broken")


# Sent only on request (admin action, API), whatever the endpoint subscribed to.
TEST_EVENT = "webhook.test"


def new_secret() -> str:
    """A Standard Webhooks secret: "whsec_" and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


class WebhookEndpointQuerySet(models.QuerySet):
    def enabled(self) -> WebhookEndpointQuerySet:
        return self.filter(enabled=True)

    def owned_by(self, user) -> WebhookEndpointQuerySet:
        return self.filter(owner=user)


class WebhookEndpoint(models.Model):
    """A subscriber's URL, the events it chose and the secret its deliveries are signed with."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("owner"),
    )
    organisation = models.CharField(
        _("organisation"), max_length=200, blank=True, help_text=_("The newsroom or service.")
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=300, blank=True)
    events = models.JSONField(
        _("events"), default=list, help_text=_("The event types this endpoint receives.")
    )
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    enabled = models.BooleanField(_("enabled"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive failed deliveries"), default=0
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.TextField(_("why it was disabled"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return event_type == TEST_EVENT or event_type in self.events

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[:6]}…{self.secret[-4:]}"


class WebhookEvent(models.Model):
    """One thing that happened, with the payload as it was then (sent to every subscriber)."""

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=40)
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claim"),
    )
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.type} {self.webhook_id}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: the same for every attempt and redelivery (idempotency)."""
        return f"msg_{self.message_id.hex}"


class WebhookDeliveryQuerySet(models.QuerySet):
    def pending(self) -> WebhookDeliveryQuerySet:
        return self.filter(status=WebhookDelivery.Status.PENDING)

    def due(self, now) -> WebhookDeliveryQuerySet:
        return self.pending().filter(next_attempt_at__lte=now)


class WebhookDelivery(models.Model):
    """One event for one endpoint: pending until delivered, failed after the last retry."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled (endpoint disabled)")

    event = models.ForeignKey(
        WebhookEvent, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("event")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_response_status = models.PositiveIntegerField(_("last response code"), null=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = WebhookDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhookdelivery_once")
        ]
        indexes = [
            # The sweep: pending deliveries whose next attempt is due (a small, hot set).
            models.Index(
                fields=["next_attempt_at"],
                name="webhookdelivery_due_idx",
                condition=Q(status="pending"),
            ),
            # An endpoint's delivery log, newest first (admin, API).
            models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: when, the answer, how long it took, why it failed."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    number = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    succeeded = models.BooleanField(_("succeeded"))
    response_status = models.PositiveIntegerField(_("response code"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)
    response_body = models.TextField(_("start of the answer"), blank=True)
    retry_at = models.DateTimeField(_("retry scheduled at"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"#{self.number} {self.response_status or self.error[:40]}"
