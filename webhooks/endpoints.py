"""Subscriptions: the rules an endpoint's URL and events follow, whoever sets them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sources.addresses import url_refusal
from webhooks.models import EventType, WebhookEndpoint, new_secret


def validate_webhook_url(url: str) -> None:
    """Refuse URLs the guarded client would refuse to POST to (the fetcher's address policy),
    so the subscriber hears "no" now rather than through failed deliveries."""
    refusal = url_refusal(url)
    if refusal:
        raise ValidationError(
            _("Webhooks are sent only to public http(s) addresses: %(reason)s"),
            params={"reason": refusal},
            code="blocked",
        )


def clean_events(events) -> list[str]:
    """The chosen event types, known and without repeats, in the order of EventType."""
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError(_("Choose at least one event."), code="required")
    unknown = [str(e) for e in events if e not in EventType.values]
    if unknown:
        raise ValidationError(
            _("Unknown event types: %(names)s. Choose from: %(choices)s."),
            params={"names": ", ".join(unknown), "choices": ", ".join(EventType.values)},
            code="invalid_choice",
        )
    return [value for value in EventType.values if value in events]


def rotate_secret(endpoint: WebhookEndpoint) -> str:
    """A new signing secret; deliveries from now on are signed with it."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint.secret
