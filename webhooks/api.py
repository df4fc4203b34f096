"""REST API for webhook subscriptions: /api/v1/webhooks/, each client manages its own.

Token-authenticated users only (an API client's token names its owner); another owner's
endpoint answers 404 like a missing one. The signing secret is shown once, in the answer that
creates it (or rotates it), never in reads.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.errors import WRITE_ERRORS, error_responses
from config.api.schema import viewset_schema
from webhooks import delivery, endpoints, events, tasks
from webhooks.models import DeliveryAttempt, EventType, WebhookDelivery, WebhookEndpoint


def _django_errors(check, value):
    try:
        return check(value)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        help_text="Event types to receive: " + ", ".join(EventType.values),
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "organisation",
            "events",
            "enabled",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]

    def validate_url(self, value: str) -> str:
        _django_errors(endpoints.validate_webhook_url, value)
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        return _django_errors(endpoints.clean_events, value)

    def update(self, instance: WebhookEndpoint, validated_data: dict) -> WebhookEndpoint:
        turned_on = validated_data.get("enabled") and not instance.enabled
        instance = super().update(instance, validated_data)
        if turned_on:
            delivery.enable_endpoint(instance)
        return instance


class NewWebhookEndpointSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="whsec_… signing secret: shown only in this answer."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "succeeded", "response_status", "latency_ms", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_type = serializers.CharField(source="event.type")
    webhook_id = serializers.CharField(source="event.webhook_id")
    attempt_log = DeliveryAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "webhook_id",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_response_status",
            "last_error",
            "created_at",
            "attempt_log",
        ]


class QueuedSerializer(serializers.Serializer):
    status = serializers.CharField()
    deliveries = serializers.ListField(child=serializers.IntegerField())


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField()


@viewset_schema(WebhookEndpointSerializer, delete=True)
class WebhookEndpointViewSet(viewsets.ModelViewSet):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]
    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["enabled"]
    ordering_fields = ["created_at", "id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user, no query
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.owned_by(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return NewWebhookEndpointSerializer
        return WebhookEndpointSerializer

    def perform_create(self, serializer) -> None:
        serializer.save(owner=self.request.user)

    @extend_schema(
        summary="Send a test event to this endpoint (queued after commit; 202)",
        request=None,
        responses={202: QueuedSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk=None) -> Response:
        endpoint = self.get_object()
        ids = events.record_test_event(endpoint)
        transaction.on_commit(lambda: tasks.enqueue_deliveries(ids))
        return Response({"status": "queued", "deliveries": ids}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Replace the signing secret (the new one is shown only in this answer)",
        request=None,
        responses={200: SecretSerializer, **error_responses(*WRITE_ERRORS)},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk=None) -> Response:
        return Response({"secret": endpoints.rotate_secret(self.get_object())})

    @extend_schema(
        summary="This endpoint's latest deliveries (newest first, at most 50) with attempts",
        responses={200: WebhookDeliverySerializer(many=True), **error_responses(401, 404, 429)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk=None) -> Response:
        endpoint = self.get_object()
        recent = (
            WebhookDelivery.objects.filter(endpoint=endpoint)
            .select_related("event")
            .prefetch_related("attempt_log")
            .order_by("-created_at", "-pk")[:50]
        )
        return Response(WebhookDeliverySerializer(recent, many=True).data)
