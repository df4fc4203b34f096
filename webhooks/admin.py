"""Webhooks in the admin: endpoints (the secret shown once), the delivery log, redelivery."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks import delivery, endpoints, events, tasks
from webhooks.models import DeliveryAttempt, EventType, WebhookDelivery, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["owner", "organisation", "url", "description", "events", "enabled"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        endpoints.validate_webhook_url(url)
        return url

    def clean_events(self) -> list[str]:
        return endpoints.clean_events(self.cleaned_data["events"])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = [
        "__str__",
        "url",
        "owner",
        "organisation",
        "enabled",
        "consecutive_failures",
        "disabled_at",
    ]
    list_filter = ["enabled"]
    search_fields = ["url", "description", "organisation", "owner__username"]
    raw_id_fields = ["owner"]
    readonly_fields = [
        "masked_secret",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_at",
    ]
    actions = ["send_test_event", "rotate_secret"]

    def changelist_view(self, request, extra_context=None):
        disabled = WebhookEndpoint.objects.filter(enabled=False, disabled_at__isnull=False)
        count = disabled.count()
        if count and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(count)d endpoint was disabled after failing deliveries; fix its receiver "
                    "and enable it again.",
                    "%(count)d endpoints were disabled after failing deliveries; fix their "
                    "receivers and enable them again.",
                    count,
                )
                % {"count": count},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("signing secret"))
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.masked_secret if endpoint.pk else _("Generated when saved.")

    def save_model(self, request, endpoint: WebhookEndpoint, form, change: bool) -> None:
        turned_on = change and "enabled" in form.changed_data and endpoint.enabled
        super().save_model(request, endpoint, form, change)
        if turned_on:
            delivery.enable_endpoint(endpoint)
        if not change:
            # The one time the whole secret is shown; afterwards only its ends are.
            self.message_user(
                request,
                _("Signing secret (copy it now, it is not shown again): %(secret)s")
                % {"secret": endpoint.secret},
                messages.WARNING,
            )

    @admin.action(description=_("Send a test event"))
    def send_test_event(self, request, queryset) -> None:
        ids = [pk for endpoint in queryset for pk in events.record_test_event(endpoint)]
        transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
        self.message_user(
            request,
            ngettext("%(count)d test event queued.", "%(count)d test events queued.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Replace the signing secret"))
    def rotate_secret(self, request, queryset) -> None:
        for endpoint in queryset:
            secret = endpoints.rotate_secret(endpoint)
            self.message_user(
                request,
                _("New signing secret of %(endpoint)s (shown once): %(secret)s")
                % {"endpoint": endpoint, "secret": secret},
                messages.WARNING,
            )


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "number",
        "at",
        "succeeded",
        "response_status",
        "latency_ms",
        "error",
        "response_body",
        "retry_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_response_status",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "event__type"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["endpoint__url", "event__message_id"]
    inlines = [DeliveryAttemptInline]
    actions = ["redeliver"]
    fields = readonly_fields = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "delivered_at",
        "last_response_status",
        "last_error",
        "payload",
    ]

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, item: WebhookDelivery) -> str:
        return item.event.type

    @admin.display(description=_("payload"))
    def payload(self, item: WebhookDelivery) -> dict:
        return item.event.payload

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Redeliver (same message id, fresh retries)"))
    def redeliver(self, request, queryset) -> None:
        try:
            ids = delivery.redeliver(list(queryset.values_list("pk", flat=True)))
        except (delivery.RedeliveryRefused, ValidationError) as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued.", "%(count)d deliveries queued.", len(ids))
            % {"count": len(ids)},
            messages.SUCCESS,
        )
