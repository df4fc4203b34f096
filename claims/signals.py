"""Signals the editorial workflow sends for changes the world outside may want to hear about.

Sent by `claims.workflow` inside the transaction that makes the change, after the change's own
records are written, so a receiver that writes rows (the webhooks outbox) commits or rolls back
with it. Receivers must not do network I/O or enqueue tasks here: they use
`transaction.on_commit` for that (DESIGN.md §9.2). Nothing is sent back to claims.

claim_event(sender=Claim, claim, kind, correction=None, note="")
    kind is one of CLAIM_EVENT_KINDS: "published" (draft or review -> published), "corrected"
    and "updated" (a public Correction entry, passed as `correction`), "withdrawn" (`note` is
    the reason).

claims_flagged(sender=Claim, claim_ids, reason)
    Claims newly flagged for attention because their evidence moved (`flag_for_attention`).
"""

from __future__ import annotations

from django.dispatch import Signal

CLAIM_EVENT_KINDS = ("published", "corrected", "updated", "withdrawn")

claim_event = Signal()
claims_flagged = Signal()
