"""Every state change of a claim, in one place: the admin, the API and tests all call these.

Roles: Editors create and edit drafts and send them to review; Reviewers (permission
`claims.publish_claim`) also publish, correct and withdraw. Each change is recorded as a
ClaimEvent with who and when, and announced with `claims.signals` (webhooks) in the same
transaction.

Once a claim is published, anything readers see of it (Claim.READER_FIELDS, its figures, its
citations) changes only here, only by a reviewer, and only on the public record: a correction
(rating or substance, with the reason) or an update (clarification or typo, with a short
note). The admin, the API, the ClaimReview importer and every inline go through
`save_claim`, `save_part`/`delete_part` (figures; `sources.citations` for citations) or
`record_change`, so none of them can change a published claim silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as Account
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from claims import caching, tasks
from claims.claim_text import normalise_claim_text
from claims.exceptions import NotAllowed, WorkflowError
from claims.models import (
    Claim,
    ClaimEvent,
    ClaimQuerySet,
    Correction,
    Rating,
    slug_matches,
    unique_slug,
    unique_slugs,
)
from claims.search_document import refresh_search_vectors
from claims.signals import claim_event, claims_flagged

EDITORS_GROUP = "Editors"
REVIEWERS_GROUP = "Reviewers"

Status = Claim.Status
User = Account | AnonymousUser


def _account(user: User) -> Account | None:
    """The signed-in user a record names; None for anonymous (e.g. a system import)."""
    return user if isinstance(user, Account) and user.is_authenticated else None


def _field(model: type[models.Model] | models.Model, name: str) -> models.Field:
    """A concrete field by name (the reader-field lists name fields, never reverse relations)."""
    model_field = model._meta.get_field(name)
    if not isinstance(model_field, models.Field):
        raise LookupError(f"{name} is a relation, not a field of {model._meta.label}")
    return model_field


T = TypeVar("T")

NOTE_NEEDED = _(
    "This claim is published: a change readers see is either a correction (say what changed "
    "and why) or an update (a short public note)."
)


@dataclass(frozen=True)
class CorrectionNote:
    """A correction: a change of rating or substance, with the reason (public)."""

    what_changed: str
    reason: str

    kind = Correction.Kind.CORRECTION

    @property
    def text(self) -> str:
        return self.what_changed


@dataclass(frozen=True)
class UpdateNote:
    """An update: a clarification or a typo fixed, with a short public note."""

    note: str

    kind = Correction.Kind.UPDATE

    @property
    def text(self) -> str:
        return self.note


ChangeNote = CorrectionNote | UpdateNote


def change_note(kind: str, text: str, reason: str = "") -> ChangeNote:
    """The note a form or API body gives: kind "correction" (text = what changed) or "update"."""
    if kind == Correction.Kind.UPDATE:
        return UpdateNote(text)
    if kind == Correction.Kind.CORRECTION:
        return CorrectionNote(text, reason)
    raise WorkflowError(_("Say whether the change is a correction or an update."))


def _checked_note(note: ChangeNote | None) -> ChangeNote:
    if note is None:
        raise WorkflowError(NOTE_NEEDED)
    if isinstance(note, CorrectionNote):
        if not note.what_changed.strip() or not note.reason.strip():
            raise WorkflowError(_("A correction says what changed and why."))
        return CorrectionNote(note.what_changed.strip(), note.reason.strip())
    if not note.note.strip():
        raise WorkflowError(_("An update needs a short public note."))
    return UpdateNote(note.note.strip())


def can_edit(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.change_claim")


def can_publish(user: User) -> bool:
    return user.is_authenticated and user.has_perm("claims.publish_claim")


def can_edit_claim(user: User, claim: Claim) -> bool:
    """Editors work on drafts and claims in review; published claims belong to reviewers."""
    if not can_edit(user):
        return False
    return claim.status in (Status.DRAFT, Status.IN_REVIEW) or can_publish(user)


def require_can_change_published_part(user: User, claim: Claim) -> None:
    """Refuse a change to the claim or one of its parts (figure, citation) the user may not make.

    Editors change drafts and claims in review; what readers see of a published claim is
    changed by reviewers only (and then on the record, see `change_part`).
    """
    if not can_edit(user):
        raise NotAllowed(_("You cannot edit claims."))
    if not can_edit_claim(user, claim):
        raise NotAllowed(
            _(
                "Only reviewers can change a published claim, its figures or its citations; "
                "each change is recorded as a correction or an update."
            )
        )


def _require(allowed: bool, message: str | Promise) -> None:
    if not allowed:
        raise NotAllowed(message)


def _record(
    claim: Claim, user: User, kind: str, *, at: datetime | None = None, **fields
) -> ClaimEvent:
    actor = _account(user)
    return ClaimEvent.objects.create(
        claim=claim, actor=actor, kind=kind, at=at or timezone.now(), **fields
    )


def _redraw_share_image(claim: Claim) -> None:
    """Have the claim's share picture drawn again once this change is committed (the worker
    must see it; a rolled-back change draws nothing). The picture is also drawn on demand."""
    claim_id = claim.pk
    transaction.on_commit(lambda: tasks.render_share_image.delay(claim_id))


def _set_status(
    claim: Claim,
    user: User,
    new_status: str,
    note: str = "",
    *,
    at: datetime | None = None,
    **fields,
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
        note=note,
        **fields,
    )


# --- Changes to published claims ------------------------------------------------------------


@dataclass
class PublishedEdit:
    """One reviewer's edit of a published claim: the parts it changed, one public record.

    Started by `start_published_edit`, passed as `change=` to the functions that write
    (`save_claim`, `save_part`, `delete_part`), written by `finish_published_edit`; the
    `published_edit` context manager does all three in one transaction.
    """

    claim: Claim
    user: User
    note: ChangeNote
    changes: list[str] = field(default_factory=list)
    previous_rating: Rating | None = None
    new_rating: Rating | None = None

    def add(self, what: str) -> None:
        if what not in self.changes:
            self.changes.append(what)


def start_published_edit(claim: Claim, user: User, note: ChangeNote | None) -> PublishedEdit:
    """Check that the user may change the published claim and that the note is complete."""
    _require(
        can_publish(user),
        _("Only reviewers can change a published claim; each change is recorded."),
    )
    if not claim.is_public:
        raise WorkflowError(
            _("Only published claims take corrections and updates; edit the draft.")
        )
    return PublishedEdit(claim=claim, user=user, note=_checked_note(note))


def finish_published_edit(
    edit: PublishedEdit, *, even_if_unchanged: bool = False
) -> Correction | None:
    """Write the edit's public record (call inside the transaction that made the changes)."""
    if not edit.changes and not even_if_unchanged:
        return None
    return record_change(
        edit.claim,
        edit.user,
        edit.note,
        changes=edit.changes,
        previous_rating=edit.previous_rating,
        new_rating=edit.new_rating,
    )


@contextmanager
def published_edit(claim: Claim, user: User, note: ChangeNote | None) -> Iterator[PublishedEdit]:
    """`with published_edit(claim, reviewer, note) as edit:` change parts, get one record."""
    edit = start_published_edit(claim, user, note)
    with transaction.atomic():
        yield edit
        finish_published_edit(edit)


@contextmanager
def _editing(
    claim: Claim, user: User, change: ChangeNote | PublishedEdit | None
) -> Iterator[PublishedEdit]:
    if isinstance(change, PublishedEdit):
        if change.claim.pk != claim.pk:
            raise WorkflowError(_("One recorded change covers one claim."))
        yield change
    else:
        with published_edit(claim, user, change) as edit:
            yield edit


@transaction.atomic
def record_change(
    claim: Claim,
    user: User,
    note: ChangeNote,
    *,
    changes: list[str] | tuple[str, ...] = (),
    previous_rating: Rating | None = None,
    new_rating: Rating | None = None,
) -> Correction:
    """Log a public correction or update on a published claim, with who and when in its history.

    A correction moves the claim to "corrected"; an update keeps its status. Either way the
    claim's `revised_at` (ClaimReview dateModified, feeds) moves to now.
    """
    _require(can_publish(user), _("Only reviewers can correct or update published claims."))
    if not claim.is_public:
        raise WorkflowError(
            _("Only published claims take corrections and updates; edit the draft.")
        )
    note = _checked_note(note)
    if isinstance(note, UpdateNote) and (
        previous_rating is not None and new_rating is not None and previous_rating != new_rating
    ):
        raise WorkflowError(_("A change of rating is a correction: say what changed and why."))
    entry = Correction.objects.create(
        claim=claim,
        kind=note.kind,
        what_changed=note.text,
        reason=note.reason if isinstance(note, CorrectionNote) else "",
        previous_rating=previous_rating or claim.rating,
        new_rating=new_rating or claim.rating,
        created_by=_account(user),
    )
    claim.revised_at = entry.created_at
    Claim.objects.filter(pk=claim.pk).update(revised_at=entry.created_at, updated_at=timezone.now())
    changed = f" (changed: {', '.join(changes)})" if changes else ""
    kind = (
        ClaimEvent.Kind.UPDATE
        if note.kind == Correction.Kind.UPDATE
        else ClaimEvent.Kind.CORRECTION
    )
    _record(claim, user, kind, note=f"{note.text}{changed}")
    if note.kind == Correction.Kind.CORRECTION and claim.status != Status.CORRECTED:
        _set_status(claim, user, Status.CORRECTED, note.text)
    _redraw_share_image(claim)
    claim_event.send(
        sender=Claim,
        claim=claim,
        kind="updated" if note.kind == Correction.Kind.UPDATE else "corrected",
        correction=entry,
    )
    return entry


def reader_visible_changes(before: Claim, after: Claim) -> list[str]:
    """The names of the fields readers see that differ between two versions of a claim."""
    changed = []
    for name in Claim.READER_FIELDS:
        model_field = _field(Claim, name)
        if model_field.value_from_object(before) != model_field.value_from_object(after):
            changed.append(str(model_field.verbose_name))
    return changed


def describe_part(part: models.Model) -> str:
    return f"{part._meta.verbose_name} “{part}”"


def change_part(
    claim: Claim,
    user: User,
    change: ChangeNote | PublishedEdit | None,
    what: str,
    apply: Callable[[], T],
    *,
    seen_by_readers: bool = True,
) -> T:
    """Apply a change to one of the claim's parts (a figure, a citation) under the rule above.

    Drafts and claims in review: editors and reviewers, no record. Published claims:
    reviewers only, with a correction or update note that the change is recorded under
    (`seen_by_readers=False`, e.g. an internal note edited: reviewers only, no record).
    """
    require_can_change_published_part(user, claim)
    with transaction.atomic():
        if not claim.is_public or (not seen_by_readers and change is None):
            result = apply()
        else:
            with _editing(claim, user, change) as edit:
                result = apply()
                edit.add(what)
        # The claim's representation changed with its part (Last-Modified, caches).
        Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    return result


def part_reader_fields(part: models.Model) -> tuple[str, ...]:
    """The fields of a figure or citation readers see (all concrete ones unless declared)."""
    declared = getattr(type(part), "READER_FIELDS", None)
    if declared is not None:
        return tuple(declared)
    return tuple(f.attname for f in part._meta.concrete_fields if not f.primary_key)


def part_changes_readers(part: models.Model, new_values: dict) -> bool:
    """Whether setting `new_values` ({field name: value}) on a saved part changes what readers see."""
    names = part_reader_fields(part)
    for name, value in new_values.items():
        model_field = _field(part, name)
        if model_field.name not in names and model_field.attname not in names:
            continue
        if model_field.value_from_object(part) != (
            value.pk if isinstance(value, models.Model) else value
        ):
            return True
    return False


def _stored_differs(part: models.Model) -> bool:
    if part.pk is None:
        return True
    stored = type(part)._default_manager.filter(pk=part.pk).first()
    if stored is None:
        return True
    return any(
        _field(part, name).value_from_object(part) != _field(part, name).value_from_object(stored)
        for name in part_reader_fields(part)
    )


def _claim_of(part: models.Model) -> Claim:
    # Figures and citations both belong to a claim through `claim`.
    claim: Claim = part.claim  # type: ignore[attr-defined]
    if part.pk is not None:
        stored = type(part)._default_manager.filter(pk=part.pk).values_list("claim_id", flat=True)
        stored_claim_id = next(iter(stored), claim.pk)
        if stored_claim_id != claim.pk:
            raise WorkflowError(
                _("A %(part)s cannot move to another claim; add a new one.")
                % {"part": part._meta.verbose_name}
            )
    return claim


def save_part(
    part: models.Model,
    user: User,
    *,
    change: ChangeNote | PublishedEdit | None = None,
    what: str = "",
) -> models.Model:
    """Save a figure or citation (added or changed) of its claim, under the published rule."""
    claim = _claim_of(part)
    verb = "added" if part.pk is None else "changed"
    what = what or f"{describe_part(part)} {verb}"
    seen = not claim.is_public or _stored_differs(part)
    change_part(claim, user, change, what, part.save, seen_by_readers=seen)
    return part


def delete_part(
    part: models.Model, user: User, *, change: ChangeNote | PublishedEdit | None = None
) -> None:
    """Delete a figure or citation of a claim, under the published rule."""
    claim = _claim_of(part)
    change_part(claim, user, change, f"{describe_part(part)} removed", part.delete)


def update_published(claim: Claim, user: User, note: str) -> Correction:
    """Log an update (a clarification or typo fixed) on a published claim, rating kept."""
    return record_change(claim, user, UpdateNote(note))


# `at=` (create, submit, publish): when the step happened, for records of past work such as the
# demo's fact checks; by default now.


@transaction.atomic
def create_claim(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    """Save a new claim as a draft and start its history."""
    _require(
        user.is_authenticated and user.has_perm("claims.add_claim"), _("You cannot add claims.")
    )
    if claim.status != Status.DRAFT:
        raise WorkflowError(_("New claims start as drafts; publish them through review."))
    claim.created_by = claim.created_by or _account(user)
    claim.save()
    _record(
        claim, user, ClaimEvent.Kind.CREATED, at=at, to_status=claim.status, to_rating=claim.rating
    )
    return claim


def create_claims_in_bulk(claims: list[Claim], user: User, *, publish: bool = False) -> list[Claim]:
    """`create_claim` (and with `publish`, `publish`) for many new claims in a few queries:
    bulk imports.

    The rows, their history (created, then published) and the page-cache invalidation are
    written here; bulk_create sends no post_save, so what `Claim.save` does (slug, normalised
    text, search document) is done here too. Raises like `create_claim`/`publish` do, for the
    first claim that breaks a rule, and then writes nothing. With `publish`, the caller adds
    the claims' parts and then calls `announce_published`, as `publish` announces a claim
    with its citations in place.
    """
    _require(
        user.is_authenticated and user.has_perm("claims.add_claim"), _("You cannot add claims.")
    )
    if publish:
        _require(can_publish(user), _("Only reviewers can publish claims."))
    for claim in claims:
        if claim.pk is not None or claim.status != Status.DRAFT:
            raise WorkflowError(_("New claims start as drafts; publish them through review."))
        if publish and claim.rating_id is None:
            raise WorkflowError(_("A claim needs a rating before it is published."))
        if publish and not claim.verdict_summary.strip():
            raise WorkflowError(_("A claim needs a verdict summary before it is published."))
    if not claims:
        return claims
    actor = _account(user)
    now = timezone.now()
    slugs = unique_slugs(Claim, [claim.title for claim in claims if not claim.slug])
    for claim in claims:
        claim.created_by = claim.created_by or actor
        if not claim.slug:
            claim.slug = slugs.pop(0)
        claim.normalised_text = normalise_claim_text(claim.text, claim.language)
        if publish:
            # Stored as published at once; the history below still records both steps.
            claim.status = Status.PUBLISHED
            claim.reviewer = actor
            claim.published_at = claim.published_at or now
    Claim.objects.bulk_create(claims)
    refresh_search_vectors(claim_ids=[claim.pk for claim in claims])
    events = []
    for claim in claims:
        events.append(
            ClaimEvent(
                claim=claim,
                actor=actor,
                kind=ClaimEvent.Kind.CREATED,
                at=now,
                to_status=Status.DRAFT,
                to_rating=claim.rating,
            )
        )
        if publish:
            events.append(
                ClaimEvent(
                    claim=claim,
                    actor=actor,
                    kind=ClaimEvent.Kind.STATUS,
                    at=now,
                    from_status=Status.DRAFT,
                    to_status=Status.PUBLISHED,
                    to_rating=claim.rating,
                )
            )
    ClaimEvent.objects.bulk_create(events)
    # The lists show them once published; their own pages were never cached (no claim, no 200
    # to store), so their version keys need no bump (thousands of round trips in an import).
    if publish:
        caching.invalidate_lists()
    return claims


def announce_published(claims: list[Claim]) -> None:
    """What `publish` does after the change for claims published by `create_claims_in_bulk`:
    the share picture drawn after commit and the "published" signal (webhooks), per claim."""
    for claim in claims:
        _redraw_share_image(claim)
        claim_event.send(sender=Claim, claim=claim, kind="published")


@transaction.atomic
def save_claim(
    claim: Claim,
    user: User,
    *,
    correction: CorrectionNote | None = None,
    change: ChangeNote | PublishedEdit | None = None,
) -> Claim:
    """Save edits to an existing claim, enforcing who may edit and the public-record rule.

    Drafts: saved, rating changes kept in the history. Published claims: reviewers only; a
    change readers see needs `change` (or `correction`): a changed rating is a correction,
    logged publicly with both ratings, and moves the claim to "corrected".
    """
    _require(can_edit_claim(user, claim), _("Only reviewers can edit a published claim."))
    note = change if change is not None else correction
    previous = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != previous.status:
        raise WorkflowError(_("Change the status with the workflow actions, not by editing."))
    _slug_follows_title(claim, previous)
    rating_changed = claim.rating_id != previous.rating_id
    if not previous.is_public:
        claim.save()
        if rating_changed:
            _record(
                claim,
                user,
                ClaimEvent.Kind.RATING,
                from_rating=previous.rating,
                to_rating=claim.rating,
            )
        return claim
    if rating_changed:
        if isinstance(note, UpdateNote) or (
            isinstance(note, PublishedEdit) and isinstance(note.note, UpdateNote)
        ):
            raise WorkflowError(_("A change of rating is a correction: say what changed and why."))
        change_rating(claim, claim.rating, user, correction=note, previous=previous)
        return claim
    changed = reader_visible_changes(previous, claim)
    if not changed:
        claim.save()
        if isinstance(note, CorrectionNote | UpdateNote):
            # A note with no field changed: the parts, or nothing, were fixed; log it anyway.
            record_change(claim, user, note)
        return claim
    with _editing(claim, user, note) as edit:
        claim.save()
        for name in changed:
            edit.add(name)
    return claim


def _slug_follows_title(claim: Claim, previous: Claim) -> None:
    """Until first publication the address follows the title (intake titles are the raw
    sentence, rewritten before review), unless someone chose the slug by hand. Afterwards it
    is kept; the page answers an old slug with a 301 (the address carries the pk)."""
    if previous.published_at is not None or claim.title == previous.title:
        return
    if claim.slug == previous.slug and slug_matches(Claim, previous.slug, previous.title):
        claim.slug = unique_slug(Claim, claim.title, exclude_pk=claim.pk)
        claim.slug_was_generated = True


@transaction.atomic
def submit_for_review(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    _require(can_edit(user), _("You cannot edit claims."))
    if claim.status != Status.DRAFT:
        raise WorkflowError(
            _("Only drafts can be sent to review (this one is %(status)s).")
            % {"status": str(claim.get_status_display()).lower()}
        )
    if claim.rating_id is None or not claim.verdict_summary.strip():
        raise WorkflowError(_("Propose a rating and write the verdict summary before review."))
    _set_status(claim, user, Status.IN_REVIEW, at=at)
    return claim


@transaction.atomic
def return_to_draft(claim: Claim, user: User, note: str = "") -> Claim:
    _require(can_edit(user), _("You cannot edit claims."))
    if claim.status != Status.IN_REVIEW:
        raise WorkflowError(_("Only claims in review can go back to draft."))
    _set_status(claim, user, Status.DRAFT, note)
    return claim


@transaction.atomic
def publish(claim: Claim, user: User, *, at: datetime | None = None) -> Claim:
    """Publish a claim in review: reviewers only; it must carry a rating and a verdict."""
    _require(can_publish(user), _("Only reviewers can publish claims."))
    if claim.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise WorkflowError(
            _("This claim is already %(status)s.")
            % {"status": str(claim.get_status_display()).lower()}
        )
    if claim.rating_id is None:
        raise WorkflowError(_("A claim needs a rating before it is published."))
    if not claim.verdict_summary.strip():
        raise WorkflowError(_("A claim needs a verdict summary before it is published."))
    claim.reviewer = _account(user)
    claim.published_at = claim.published_at or at or timezone.now()
    # The history of a public claim says what it was published as.
    _set_status(claim, user, Status.PUBLISHED, at=at, to_rating=claim.rating)
    _redraw_share_image(claim)
    claim_event.send(sender=Claim, claim=claim, kind="published")
    return claim


@transaction.atomic
def change_rating(
    claim: Claim,
    new_rating: Rating | None,
    user: User,
    *,
    correction: CorrectionNote | PublishedEdit | None,
    previous: Claim | None = None,
) -> Claim:
    """Change the verdict of a public claim: reviewers only, with a public correction entry."""
    _require(can_publish(user), _("Only reviewers can change the rating of a published claim."))
    previous = previous or Claim.objects.get(pk=claim.pk)
    if new_rating is None:
        raise WorkflowError(_("A published claim must keep a rating."))
    note = correction.note if isinstance(correction, PublishedEdit) else correction
    if not isinstance(note, CorrectionNote) or (
        not note.what_changed.strip() or not note.reason.strip()
    ):
        raise WorkflowError(
            _("Changing the rating of a published claim needs a correction: what changed and why.")
        )
    old_rating = previous.rating
    with _editing(claim, user, correction) as edit:
        claim.rating = new_rating
        claim.save()
        _record(claim, user, ClaimEvent.Kind.RATING, from_rating=old_rating, to_rating=new_rating)
        edit.previous_rating = edit.previous_rating or old_rating
        edit.new_rating = new_rating
        edit.add("rating")
        for name in reader_visible_changes(previous, claim):
            edit.add(name)
    return claim


@transaction.atomic
def correct(claim: Claim, user: User, correction: CorrectionNote) -> Claim:
    """Log a public correction on a published claim (text or analysis fixed, rating kept)."""
    _require(can_publish(user), _("Only reviewers can correct published claims."))
    if not claim.is_public:
        raise WorkflowError(_("Only published claims take corrections; edit the draft instead."))
    if not correction.what_changed.strip() or not correction.reason.strip():
        raise WorkflowError(_("Say what changed and why."))
    record_change(claim, user, correction)
    return claim


@transaction.atomic
def withdraw(claim: Claim, user: User, reason: str) -> Claim:
    """Take a published claim off the public site, keeping it and its history."""
    _require(can_publish(user), _("Only reviewers can withdraw claims."))
    if not claim.is_public:
        raise WorkflowError(_("Only published claims can be withdrawn."))
    if not reason.strip():
        raise WorkflowError(_("Give the reason for withdrawing the claim."))
    _set_status(claim, user, Status.WITHDRAWN, reason.strip())
    _redraw_share_image(claim)  # which removes it: a withdrawn claim has none
    claim_event.send(sender=Claim, claim=claim, kind="withdrawn", note=reason.strip())
    return claim


@transaction.atomic
def flag_for_attention(claim_ids: list[int], reason: str) -> int:
    """Mark claims whose evidence moved; returns how many were newly flagged."""
    found = list(
        Claim.objects.filter(pk__in=claim_ids, needs_attention=False).values_list("pk", "status")
    )
    if not found:
        return 0
    newly = [pk for pk, _status in found]
    Claim.objects.filter(pk__in=newly).update(
        needs_attention=True, attention_reason=reason[:2000], updated_at=timezone.now()
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim_id=pk, kind=ClaimEvent.Kind.ATTENTION, note=reason[:2000]) for pk in newly
    )
    # update() and bulk_create() send no signals: the pages showing the notice are told here.
    _invalidate_flagged([pk for pk, status in found if status in ClaimQuerySet.PUBLIC_STATUSES])
    claims_flagged.send(sender=Claim, claim_ids=newly, reason=reason[:2000])
    return len(newly)


@transaction.atomic
def flag_each_for_attention(flags: list[tuple[int, str]]) -> int:
    """flag_for_attention([claim_id], reason) for each pair in order, in a fixed number of
    queries (a batch of checks): a claim takes the first reason it is flagged with."""
    claim_ids = sorted({claim_id for claim_id, _reason in flags})
    if not claim_ids:
        return 0
    unflagged = dict(
        Claim.objects.filter(pk__in=claim_ids, needs_attention=False).values_list("pk", "status")
    )
    reasons: dict[int, str] = {}
    for claim_id, reason in flags:
        if claim_id in unflagged and claim_id not in reasons:
            reasons[claim_id] = reason[:2000]
    if not reasons:
        return 0
    now = timezone.now()
    Claim.objects.filter(pk__in=list(reasons)).update(
        needs_attention=True,
        attention_reason=models.Case(
            *(models.When(pk=pk, then=models.Value(reason)) for pk, reason in reasons.items()),
            output_field=models.TextField(),
        ),
        updated_at=now,
    )
    ClaimEvent.objects.bulk_create(
        ClaimEvent(claim_id=pk, kind=ClaimEvent.Kind.ATTENTION, note=reason)
        for pk, reason in reasons.items()
    )
    _invalidate_flagged([pk for pk in reasons if unflagged[pk] in ClaimQuerySet.PUBLIC_STATUSES])
    by_reason: dict[str, list[int]] = {}
    for pk, reason in reasons.items():
        by_reason.setdefault(reason, []).append(pk)
    for reason, pks in by_reason.items():
        claims_flagged.send(sender=Claim, claim_ids=pks, reason=reason)
    return len(reasons)


def _invalidate_flagged(public_ids: list[int]) -> None:
    # Cards show the "under review" notice: the lists and the claims' pages; drafts are on
    # neither.
    if public_ids:
        caching.invalidate_lists(public_ids)


@transaction.atomic
def acknowledge_attention(claim: Claim, user: User, note: str = "") -> Claim:
    """An editor has looked at the moved evidence: clear the flag, keep the record."""
    _require(can_edit(user), _("You cannot edit claims."))
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
    _require(can_edit_claim(user, claim), _("You cannot edit this claim."))
    if original.pk == claim.pk:
        raise WorkflowError(_("A claim cannot repeat itself."))
    if not original.is_public:
        raise WorkflowError(_("Link a repeat to a published fact check."))
    if original.repeat_of_id == claim.pk:
        raise WorkflowError(_("That fact check is already marked as a repeat of this claim."))
    claim.repeat_of = original
    claim.save(update_fields=["repeat_of", "updated_at"])
    return claim
