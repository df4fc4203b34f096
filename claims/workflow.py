"""Every state change of a claim, in one place: the admin, the API and tests all call these.

Roles: Editors create and edit drafts and send them to review; Reviewers (permission
`claims.publish_claim`) also publish, correct and withdraw. Each change is recorded as a
ClaimEvent with who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from claims.exceptions import NotAllowed, WorkflowError
from claims.models import Claim, ClaimEvent, Correction, Rating, slug_matches, unique_slug

EDITORS_GROUP = "Editors"
REVIEWERS_GROUP = "Reviewers"

Status = Claim.Status
User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class CorrectionNote:
    what_changed: str
    reason: str


def can_edit(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.change_claim")


def can_publish(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.publish_claim")


def can_edit_claim(user: User, claim: Claim) -> bool:
    """Editors work on drafts and claims in review; published claims belong to reviewers."""
    if not can_edit(user):
        return False
    return claim.status in (Status.DRAFT, Status.IN_REVIEW) or can_publish(user)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _record(
    claim: Claim, user: User, kind: str, *, at: datetime | None = None, **fields
) -> ClaimEvent:
    actor = user if user.is_authenticated else None
    return ClaimEvent.objects.create(
        claim=claim, actor=actor, kind=kind, at=at or timezone.now(), **fields
    )


def _set_status(
    claim: Claim,
    user: User,
    new_status: str,
    note: str = "",
    *,
    at: datetime | None = None,
    to_rating: Rating | None = None,
) -> None:
    old_status = claim.status
    claim.status = new_status
    claim.save()
    _record(
        claim,
        user,
        ClaimEvent.Kind.STATUS,
        at=at,
        from_status=old_status,
        to_status=new_status,
        to_rating=to_rating,
        note=note,
    )


# `at=` (create, submit, publish): when the step happened, for records of past work such as the
# demo's fact checks; by default now.


@transaction.atomic
def create_claim(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    """Save a new claim as a draft and start its history."""
    _require(user.is_authenticated and user.has_perm("claims.add_claim"), "You cannot add claims.")
    if claim.status != Status.DRAFT:
        raise WorkflowError("New claims start as drafts; publish them through review.")
    claim.created_by = claim.created_by or (user if user.is_authenticated else None)
    claim.save()
    _record(
        claim, user, ClaimEvent.Kind.CREATED, at=at, to_status=claim.status, to_rating=claim.rating
    )
    return claim


@transaction.atomic
def save_claim(claim: Claim, user: User, *, correction: CorrectionNote | None = None) -> Claim:
    """Save edits to an existing claim, enforcing who may edit and the correction rule.

    A changed rating on a public claim needs a correction note and a reviewer; it is logged
    publicly as a Correction and moves the claim to "corrected".
    """
    _require(can_edit_claim(user, claim), "Only reviewers can edit a published claim.")
    previous = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != previous.status:
        raise WorkflowError("Change the status with the workflow actions, not by editing.")
    _slug_follows_title(claim, previous)
    rating_changed = claim.rating_id != previous.rating_id
    if previous.is_public and rating_changed:
        change_rating(claim, claim.rating, user, correction=correction, previous=previous)
        return claim
    claim.save()
    if previous.is_public and correction is not None:
        correct(claim, user, correction)
    if rating_changed:
        _record(
            claim,
            user,
            ClaimEvent.Kind.RATING,
            from_rating=previous.rating,
            to_rating=claim.rating,
        )
    return claim


def _slug_follows_title(claim: Claim, previous: Claim) -> None:
    """Until first publication the address follows the title (intake titles are the raw
    sentence, rewritten before review), unless someone chose the slug by hand. Afterwards it
    is kept; the page answers an old slug with a 301 (the address carries the pk)."""
    if previous.published_at is not None or claim.title == previous.title:
        return
    if claim.slug == previous.slug and slug_matches(Claim, previous.slug, previous.title):
        claim.slug = unique_slug(Claim, claim.title, exclude_pk=claim.pk)


@transaction.atomic
def submit_for_review(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    _require(can_edit(user), "You cannot edit claims.")
    if claim.status != Status.DRAFT:
        raise WorkflowError(f"Only drafts can be sent to review (this one is {claim.status}).")
    if claim.rating_id is None or not claim.verdict_summary.strip():
        raise WorkflowError("Propose a rating and write the verdict summary before review.")
    _set_status(claim, user, Status.IN_REVIEW, at=at)
    return claim


@transaction.atomic
def return_to_draft(claim: Claim, user: User, note: str = "") -> Claim:
    _require(can_edit(user), "You cannot edit claims.")
    if claim.status != Status.IN_REVIEW:
        raise WorkflowError("Only claims in review can go back to draft.")
    _set_status(claim, user, Status.DRAFT, note)
    return claim


@transaction.atomic
def publish(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    """Publish a claim in review: reviewers only; it must carry a rating and a verdict."""
    _require(can_publish(user), "Only reviewers can publish claims.")
    if claim.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise WorkflowError(f"This claim is already {claim.get_status_display().lower()}.")
    if claim.rating_id is None:
        raise WorkflowError("A claim needs a rating before it is published.")
    if not claim.verdict_summary.strip():
        raise WorkflowError("A claim needs a verdict summary before it is published.")
    claim.reviewer = user
    claim.published_at = claim.published_at or at or timezone.now()
    # The history of a public claim says what it was published as.
    _set_status(claim, user, Status.PUBLISHED, at=at, to_rating=claim.rating)
    return claim


@transaction.atomic
def change_rating(
    claim: Claim,
    new_rating: Rating | None,
    user: User,
    *,
    correction: CorrectionNote | None,
    previous: Claim | None = None,
) -> Claim:
    """Change the verdict of a public claim: reviewers only, with a public correction entry."""
    _require(can_publish(user), "Only reviewers can change the rating of a published claim.")
    previous = previous or Claim.objects.get(pk=claim.pk)
    if new_rating is None:
        raise WorkflowError("A published claim must keep a rating.")
    if correction is None or not correction.what_changed.strip() or not correction.reason.strip():
        raise WorkflowError(
            "Changing the rating of a published claim needs a correction: what changed and why."
        )
    old_rating = previous.rating
    claim.rating = new_rating
    old_status = previous.status
    claim.status = Status.CORRECTED
    claim.save()
    Correction.objects.create(
        claim=claim,
        what_changed=correction.what_changed.strip(),
        reason=correction.reason.strip(),
        previous_rating=old_rating,
        new_rating=new_rating,
        created_by=user if user.is_authenticated else None,
    )
    _record(claim, user, ClaimEvent.Kind.RATING, from_rating=old_rating, to_rating=new_rating)
    if old_status != Status.CORRECTED:
        _record(claim, user, ClaimEvent.Kind.STATUS, from_status=old_status, to_status=claim.status)
    return claim


@transaction.atomic
def correct(claim: Claim, user: User, correction: CorrectionNote) -> Claim:
    """Log a public correction on a published claim (text or analysis fixed, rating kept)."""
    _require(can_publish(user), "Only reviewers can correct published claims.")
    if not claim.is_public:
        raise WorkflowError("Only published claims take corrections; edit the draft instead.")
    if not correction.what_changed.strip() or not correction.reason.strip():
        raise WorkflowError("Say what changed and why.")
    Correction.objects.create(
        claim=claim,
        what_changed=correction.what_changed.strip(),
        reason=correction.reason.strip(),
        previous_rating=claim.rating,
        new_rating=claim.rating,
        created_by=user if user.is_authenticated else None,
    )
    if claim.status != Status.CORRECTED:
        _set_status(claim, user, Status.CORRECTED, correction.what_changed)
    return claim


@transaction.atomic
def withdraw(claim: Claim, user: User, reason: str) -> Claim:
    """Take a published claim off the public site, keeping it and its history."""
    _require(can_publish(user), "Only reviewers can withdraw claims.")
    if not claim.is_public:
        raise WorkflowError("Only published claims can be withdrawn.")
    if not reason.strip():
        raise WorkflowError("Give the reason for withdrawing the claim.")
    _set_status(claim, user, Status.WITHDRAWN, reason.strip())
    return claim


def flag_for_attention(claim_ids: list[int], reason: str) -> int:
    """Mark claims whose evidence moved; returns how many were newly flagged."""
    newly = list(
        Claim.objects.filter(pk__in=claim_ids, needs_attention=False).values_list("pk", flat=True)
    )
    if not newly:
        return 0
    Claim.objects.filter(pk__in=newly).update(
        needs_attention=True, attention_reason=reason[:2000], updated_at=timezone.now()
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim_id=pk, kind=ClaimEvent.Kind.ATTENTION, note=reason[:2000]) for pk in newly
    )
    return len(newly)


@transaction.atomic
def acknowledge_attention(claim: Claim, user: User, note: str = "") -> Claim:
    """An editor has looked at the moved evidence: clear the flag, keep the record."""
    _require(can_edit(user), "You cannot edit claims.")
    if not claim.needs_attention:
        return claim
    claim.needs_attention = False
    claim.attention_reason = ""
    claim.save(update_fields=["needs_attention", "attention_reason", "updated_at"])
    _record(claim, user, ClaimEvent.Kind.ACKNOWLEDGED, note=note)
    return claim


@transaction.atomic
def mark_as_repeat(claim: Claim, original: Claim, user: User) -> Claim:
    """Link `claim` to the published fact check it repeats; its page then points readers there.

    Who may do it follows who may edit the claim (editors: drafts and claims in review).
    """
    _require(can_edit_claim(user, claim), "You cannot edit this claim.")
    if original.pk == claim.pk:
        raise WorkflowError("A claim cannot repeat itself.")
    if not original.is_public:
        raise WorkflowError("Link a repeat to a published fact check.")
    if original.repeat_of_id == claim.pk:
        raise WorkflowError("That fact check is already marked as a repeat of this claim.")
    claim.repeat_of = original
    claim.save(update_fields=["repeat_of", "updated_at"])
    return claim
