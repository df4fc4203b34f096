"""The outbox receivers: claims' and sources' signals become webhook events and deliveries.

They run inside the transaction of the change (the signals are sent there), so the rows commit
or roll back with it; the delivery tasks are enqueued only after commit. If the broker is down
then, the rows stay pending and the sweep (webhooks.tasks.sweep_webhook_deliveries) sends them.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from claims.signals import claim_event, claims_flagged
from sources.signals import source_broken
from webhooks import events, tasks


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: tasks.enqueue_deliveries(delivery_ids))


@receiver(claim_event, dispatch_uid="webhooks-claim-event")
def claim_changed(sender, claim, kind: str, correction=None, note: str = "", **kwargs) -> None:
    _enqueue_after_commit(events.record_claim_event(claim, kind, correction=correction, note=note))


@receiver(claims_flagged, dispatch_uid="webhooks-claims-flagged")
def evidence_moved(sender, claim_ids: list[int], reason: str, **kwargs) -> None:
    _enqueue_after_commit(events.record_claims_flagged(claim_ids, reason))


@receiver(source_broken, dispatch_uid="webhooks-source-broken")
def source_became_broken(sender, source, reason: str, **kwargs) -> None:
    _enqueue_after_commit(events.record_source_broken(source, reason))
