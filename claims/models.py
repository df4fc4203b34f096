"""The editorial core: who said what, its figures, the verdict, and the public record of changes."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from claims import figures
from claims.claim_text import normalise_claim_text
from claims.exceptions import WorkflowError
from claims.hygiene import CleanTextModelMixin
from claims.languages import default_language, language_choices
from claims.quantities import localised_quantity
from claims.search_document import (
    SEARCHED_CLAIM_FIELDS,
    SearchDocumentField,
    refresh_search_vectors,
)

hex_colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb."))


GENERATED_SLUG_ATTEMPTS = 3


def unique_slug(model: type[models.Model], text: str, *, exclude_pk: int | None = None) -> str:
    """A slug for `text` not yet used by `model` (suffixes -2, -3, ... on collision)."""
    max_length = model._meta.get_field("slug").max_length
    base = (slugify(text) or "item")[: max_length - 6].strip("-")
    candidate, n = base, 1
    existing = model._default_manager.filter(slug__startswith=base)
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    taken = set(existing.values_list("slug", flat=True))
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def unique_slugs(model: type[models.Model], texts: list[str]) -> list[str]:
    """What `unique_slug` gives for each of `texts` saved one after the other (each taking its
    slug before the next is chosen), in one query: bulk creation."""
    max_length = model._meta.get_field("slug").max_length
    bases = [(slugify(text) or "item")[: max_length - 6].strip("-") for text in texts]
    if not bases:
        return []
    prefixes = Q()
    for base in set(bases):
        prefixes |= Q(slug__startswith=base)
    taken = set(model._default_manager.filter(prefixes).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        slugs.append(candidate)
    return slugs


def slug_matches(model: type[models.Model], slug: str, text: str) -> bool:
    """Whether `slug` is what unique_slug gives for `text` (its base, or the base with -N)."""
    max_length = model._meta.get_field("slug").max_length
    base = (slugify(text) or "item")[: max_length - 6].strip("-")
    return re.fullmatch(re.escape(base) + r"(-\d+)?", slug) is not None


class ClaimantQuerySet(models.QuerySet["Claimant"]):
    def with_public_claims(self) -> ClaimantQuerySet:
        """Claimants readers may see: those with at least one published claim."""
        return self.filter(
            models.Exists(Claim.objects.published().filter(claimant=models.OuterRef("pk")))
        )

    def visible_to(self, user) -> ClaimantQuerySet:
        """Everything for editors and reviewers; for the rest, claimants with a public claim
        (naming who is being checked before anything is published would leak the drafts)."""
        return self.all() if sees_unpublished(user) else self.with_public_claims()


class Claimant(CleanTextModelMixin, models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")
        GOVERNMENT = "government", _("Government body")
        MEDIA = "media", _("Media outlet")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=220, unique=True, blank=True, verbose_name=_("slug"))
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.PERSON, verbose_name=_("kind")
    )
    role = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Position when the claims were made, e.g. Home Secretary."),
        verbose_name=_("role"),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    same_as = models.JSONField(
        default=list,
        blank=True,
        help_text=_("URLs identifying the claimant elsewhere (Wikidata, official page)."),
        verbose_name=_("same as"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ClaimantQuerySet.as_manager()

    class Meta:
        verbose_name = _("claimant")
        verbose_name_plural = _("claimants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.same_as, list):
            raise ValidationError({"same_as": _("Enter a list of URLs.")})
        validate = URLValidator(schemes=["http", "https"])
        for url in self.same_as:
            try:
                validate(url)
            except ValidationError:
                raise ValidationError(
                    {"same_as": _("Not a valid http(s) URL: %(url)r") % {"url": url}}
                ) from None

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Claimant, self.name, exclude_pk=self.pk)
        renamed = not self._state.adding and (
            kwargs.get("update_fields") is None or "name" in kwargs["update_fields"]
        )
        super().save(*args, **kwargs)
        if renamed:  # the name is part of each of their claims' search documents
            refresh_search_vectors(claimant_id=self.pk, using=kwargs.get("using") or "default")

    def get_absolute_url(self) -> str:
        return reverse("claims:claimant_detail", kwargs={"slug": self.slug})


class TopicQuerySet(models.QuerySet["Topic"]):
    def with_public_claims(self) -> TopicQuerySet:
        """Topics readers may see: those of at least one published claim."""
        return self.filter(
            models.Exists(Claim.objects.published().filter(topics=models.OuterRef("pk")))
        )

    def visible_to(self, user) -> TopicQuerySet:
        """Everything for editors and reviewers; for the rest, topics of a public claim."""
        return self.all() if sees_unpublished(user) else self.with_public_claims()


class Topic(CleanTextModelMixin, models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, blank=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Topic, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("claims:topic_detail", kwargs={"slug": self.slug})


class Rating(CleanTextModelMixin, models.Model):
    """One step of the verdict scale; `value` is ordinal, higher = more accurate."""

    class Bucket(models.TextChoices):
        TRUE = "true", _("True")
        MIXED = "mixed", _("Mixed")
        FALSE = "false", _("False")
        UNVERIFIABLE = "unverifiable", _("Unverifiable")
        NOT_A_CLAIM = "not_a_claim", _("Not a claim")

    label = models.CharField(max_length=60, unique=True, verbose_name=_("label"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    value = models.SmallIntegerField(
        unique=True, help_text=_("Ordinal: higher means more accurate."), verbose_name=_("value")
    )
    colour = models.CharField(
        max_length=7, validators=[hex_colour_validator], default="#57606a", verbose_name=_("colour")
    )
    bucket = models.CharField(max_length=20, choices=Bucket.choices, verbose_name=_("bucket"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-value"]

    def __str__(self) -> str:
        return self.label

    @property
    def shown_label(self) -> str:
        """The label in the reader's language while it is the default scale's (see
        claims/rating_scale.py); a label an editor wrote, as written."""
        return gettext(self.label) if self.label else ""

    @property
    def shown_description(self) -> str:
        return gettext(self.description) if self.description else ""

    @property
    def is_ordinal(self) -> bool:
        """Whether the rating sits on the accurate..inaccurate line (ClaimReview ratingValue)."""
        return self.bucket in {self.Bucket.TRUE, self.Bucket.MIXED, self.Bucket.FALSE}


class RatingAlias(CleanTextModelMixin, models.Model):
    """Maps an outside rating name (ClaimReview `alternateName`) to a step of our scale."""

    name = models.CharField(
        max_length=120,
        unique=True,
        help_text=_("Compared case-insensitively."),
        verbose_name=_("name"),
    )
    rating = models.ForeignKey(
        Rating, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("rating")
    )

    class Meta:
        verbose_name = _("rating alias")
        ordering = ["name"]
        verbose_name_plural = _("rating aliases")

    def __str__(self) -> str:
        return f"{self.name} → {self.rating}"

    def save(self, *args, **kwargs) -> None:
        self.name = self.name.strip().casefold()
        super().save(*args, **kwargs)


def public_claims_filter(relation: str) -> Q:
    """The visibility rule seen from a related model, for annotations that must count only what
    readers may see: `Count("claims", filter=public_claims_filter("claims"))` on Claimant or
    Topic. Choosing rows is the querysets' job (`with_public_claims()`, `of_public_claims()`)."""
    return Q(**{f"{relation}__status__in": ClaimQuerySet.PUBLIC_STATUSES})


def sees_unpublished(user) -> bool:
    """Editors and reviewers see drafts and claims in review; everyone else, published only."""
    return bool(user is not None and user.is_authenticated and user.has_perm("claims.change_claim"))


class ClaimQuerySet(models.QuerySet["Claim"]):
    PUBLIC_STATUSES = ("published", "corrected")

    def published(self) -> ClaimQuerySet:
        """Claims readers may see: published, including those corrected since."""
        return self.filter(status__in=self.PUBLIC_STATUSES)

    def visible_to(self, user) -> ClaimQuerySet:
        """The one visibility rule: everything for editors and reviewers, published for the rest."""
        return self.with_visibility(unpublished=sees_unpublished(user))

    def with_visibility(self, *, unpublished: bool) -> ClaimQuerySet:
        """`visible_to` for a user who sees unpublished claims (`unpublished`) or not."""
        return self.all() if unpublished else self.published()

    def with_public_page(self) -> ClaimQuerySet:
        """Claims whose page answers readers: the published ones, and the withdrawn ones (their
        page says why they went)."""
        return self.filter(status__in=(*self.PUBLIC_STATUSES, Claim.Status.WITHDRAWN))

    def drafts(self) -> ClaimQuerySet:
        return self.filter(status=Claim.Status.DRAFT)

    def in_review(self) -> ClaimQuerySet:
        return self.filter(status=Claim.Status.IN_REVIEW)

    def needing_attention(self) -> ClaimQuerySet:
        return self.filter(needs_attention=True)

    def by_claimant(self, claimant: Claimant) -> ClaimQuerySet:
        return self.filter(claimant=claimant)

    def with_public_relations(self) -> ClaimQuerySet:
        return self.select_related("claimant", "rating").prefetch_related("topics")

    def delete(self):
        # Published claims are corrected or withdrawn, never deleted (DESIGN.md §4).
        if self.filter(published_at__isnull=False).exists():
            raise WorkflowError(
                _("A claim that has been published cannot be deleted; withdraw it.")
            )
        return super().delete()


class Claim(CleanTextModelMixin, models.Model):
    # What readers see of a claim on its page, in feeds and in ClaimReview: once the claim is
    # published, a change to any of these is a correction or an update (claims.workflow).
    READER_FIELDS = (
        "title",
        "text",
        "claimant",
        "stated_on",
        "venue",
        "appearance_url",
        "language",
        "rating",
        "verdict_summary",
        "analysis",
    )

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        CORRECTED = "corrected", _("Corrected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    text = models.TextField(
        help_text=_("The claim verbatim, as it was made."), verbose_name=_("text")
    )
    # The language the claim was made in (ISO 639-1): ClaimReview's inLanguage, the API's
    # `language` filter, the search configuration and how its figures are read ("9.400").
    language = models.CharField(
        max_length=12,
        choices=language_choices,
        default=default_language,
        help_text=_("The language the claim was made in; its figures are read in that language."),
        verbose_name=_("language"),
    )
    title = models.CharField(
        max_length=75,
        help_text=_("Short summary shown in lists and ClaimReview (75 characters at most)."),
        verbose_name=_("title"),
    )
    slug = models.SlugField(max_length=90, unique=True, blank=True, verbose_name=_("slug"))
    claimant = models.ForeignKey(
        Claimant, on_delete=models.PROTECT, related_name="claims", verbose_name=_("claimant")
    )
    stated_on = models.DateField(
        null=True, blank=True, help_text=_("When the claim was made."), verbose_name=_("stated on")
    )
    appearance_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text=_("Where the claim was made (article, video, post)."),
        verbose_name=_("appearance url"),
    )
    venue = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("e.g. EPC meeting, Budapest; BBC interview."),
        verbose_name=_("venue"),
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="claims", verbose_name=_("topics")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT, verbose_name=_("status")
    )
    rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("rating"),
    )
    verdict_summary = models.TextField(
        blank=True,
        validators=[MaxLengthValidator(600)],
        help_text=_("One or two sentences."),
        verbose_name=_("verdict summary"),
    )
    analysis = models.TextField(
        blank=True, help_text=_("Markdown; raw HTML is removed."), verbose_name=_("analysis")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_created",
        verbose_name=_("created by"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="claims_reviewed",
        verbose_name=_("reviewer"),
    )
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    needs_attention = models.BooleanField(default=False, verbose_name=_("needs attention"))
    attention_reason = models.TextField(blank=True, verbose_name=_("attention reason"))
    # Set for claims imported from another publisher's ClaimReview; the import key.
    review_url = models.URLField(
        max_length=2000, null=True, blank=True, unique=True, verbose_name=_("review url")
    )
    # Lower-cased text with figures spelled one way ("£75m" → "75000000 gbp"): what
    # similar-claim search compares (claims.claim_text; trigram index, see claims.matching).
    normalised_text = models.TextField(
        blank=True, editable=False, verbose_name=_("normalised text")
    )
    # Weighted full-text document (PostgreSQL only; GIN-indexed): see claims.search_document.
    search_vector = SearchDocumentField(null=True, editable=False)
    # When a correction or an update last changed what readers see (None: never since
    # publication): ClaimReview's dateModified and the feeds' updated date.
    revised_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("revised at")
    )
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        help_text=_("This claim repeats one already fact-checked: link it to that fact check."),
        verbose_name=_("repeat of"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-published_at", "-created_at"]
        permissions = [
            ("publish_claim", "Can publish, correct and withdraw claims"),
        ]
        constraints = [
            models.CheckConstraint(
                name="claim_public_has_rating_and_date",
                condition=Q(status__in=["draft", "in_review"])
                | (Q(rating__isnull=False) & Q(published_at__isnull=False)),
                violation_error_message=_(
                    "A published claim needs a rating and a publication date."
                ),
            ),
            models.CheckConstraint(
                name="claim_status_valid",
                condition=Q(
                    status__in=["draft", "in_review", "published", "corrected", "withdrawn"]
                ),
            ),
        ]
        indexes = [
            # Public lists: published claims, newest first.
            models.Index(fields=["status", "-published_at"], name="claim_status_published_idx"),
            # Public lists read in this order and stop after a page: an ordered scan of the
            # public claims instead of sorting every one of them (whole rows) per page.
            models.Index(
                fields=["-published_at", "-id"],
                name="claim_public_newest_idx",
                condition=Q(status__in=["published", "corrected"]),
            ),
            # The editors' queue: WHERE needs_attention (a small subset).
            models.Index(
                fields=["-updated_at"],
                name="claim_needs_attention_idx",
                condition=Q(needs_attention=True),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        claim = super().from_db(db, field_names, values)
        # The status as stored, so a save knows whether readers could see the claim before it
        # (the page cache leaves lists alone when a claim that never was public is saved).
        claim.stored_status = claim.__dict__.get("status")
        return claim

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "status" in fields:
            self.stored_status = self.__dict__.get("status")

    def _save_with_generated_slug(self, *args, **kwargs) -> None:
        # Two saves can pick the same free slug at once (looking it up and writing it are not
        # one step): the one that loses takes the next free slug instead of failing.
        try:
            for attempt in range(GENERATED_SLUG_ATTEMPTS):
                try:
                    with transaction.atomic(using=kwargs.get("using")):
                        super().save(*args, **kwargs)
                    return
                except IntegrityError:
                    taken = (
                        Claim._default_manager.filter(slug=self.slug).exclude(pk=self.pk).exists()
                    )
                    if not taken or attempt == GENERATED_SLUG_ATTEMPTS - 1:
                        raise
                    self.slug = unique_slug(Claim, self.title, exclude_pk=self.pk)
        finally:
            self.slug_was_generated = False

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = unique_slug(Claim, self.title, exclude_pk=self.pk)
        self.normalised_text = normalise_claim_text(self.text, self.language)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"text", "language"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "normalised_text"}
        if getattr(self, "slug_was_generated", False):
            self._save_with_generated_slug(*args, **kwargs)
        else:
            super().save(*args, **kwargs)
        if update_fields is None or SEARCHED_CLAIM_FIELDS.intersection(update_fields):
            refresh_search_vectors(claim_ids=[self.pk], using=kwargs.get("using") or "default")

    def delete(self, *args, **kwargs):
        if self.published_at is not None:
            raise WorkflowError(
                _("A claim that has been published cannot be deleted; withdraw it.")
            )
        return super().delete(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("claims:claim_detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.status in ClaimQuerySet.PUBLIC_STATUSES

    @property
    def modified_for_readers_at(self):
        """The last time readers saw a change: the latest correction or update, else publication."""
        return self.revised_at or self.published_at


class Figure(CleanTextModelMixin, models.Model):
    """One quantity in a claim, with an optional comparison that can be checked."""

    # Everything of a figure is on the claim page (its order too).
    READER_FIELDS = (
        "label",
        "value",
        "unit",
        "approximation",
        "period",
        "baseline_value",
        "baseline_period",
        "stated_change_pct",
        "position",
    )

    class Unit(models.TextChoices):
        PEOPLE = "people", _("people")
        COUNT = "count", _("count")
        GBP = "GBP", _("£ (GBP)")
        EUR = "EUR", _("€ (EUR)")
        USD = "USD", _("$ (USD)")
        PERCENT = "percent", _("%")
        OTHER = "other", _("other")

    class Approximation(models.TextChoices):
        EXACT = "exact", _("exactly")
        ABOUT = "about", _("about")
        NEARLY = "nearly", _("nearly")
        MORE_THAN = "more_than", _("more than")
        LESS_THAN = "less_than", _("less than")
        UP_TO = "up_to", _("up to")

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="figures", verbose_name=_("claim")
    )
    label = models.CharField(
        max_length=200,
        help_text=_("What is counted, e.g. returns of people."),
        verbose_name=_("label"),
    )
    value = models.DecimalField(max_digits=20, decimal_places=4, verbose_name=_("value"))
    unit = models.CharField(
        max_length=10, choices=Unit.choices, default=Unit.COUNT, verbose_name=_("unit")
    )
    approximation = models.CharField(
        max_length=10,
        choices=Approximation.choices,
        default=Approximation.EXACT,
        verbose_name=_("approximation"),
    )
    period = models.CharField(
        max_length=60,
        blank=True,
        help_text=_("e.g. 2024, year to June 2024."),
        verbose_name=_("period"),
    )
    baseline_value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, verbose_name=_("baseline value")
    )
    baseline_period = models.CharField(max_length=60, blank=True, verbose_name=_("baseline period"))
    stated_change_pct = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Stated change in percent, e.g. 19 for “up 19%”, -5 for “down 5%”."),
        verbose_name=_("stated change pct"),
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["claim", "position", "pk"]
        indexes = [
            # Similar-claim search looks up claims that state the same number.
            models.Index(fields=["value"], name="figure_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {localised_quantity(self.value, self.unit)}"

    @property
    def implied_baseline(self) -> Decimal | None:
        """The earlier value the stated change implies (9,400 up 19% → about 7,899)."""
        if self.stated_change_pct is None:
            return None
        return figures.implied_baseline(self.value, self.stated_change_pct)

    @property
    def actual_change_pct(self) -> Decimal | None:
        if self.baseline_value is None:
            return None
        return figures.change_pct(self.baseline_value, self.value)

    @property
    def change_is_consistent(self) -> bool | None:
        """Whether the stated change holds within rounding; None when it cannot be checked."""
        if self.stated_change_pct is None or self.baseline_value is None:
            return None
        return figures.change_is_consistent(self.value, self.baseline_value, self.stated_change_pct)


class CorrectionQuerySet(models.QuerySet):
    def corrections(self) -> CorrectionQuerySet:
        return self.filter(kind=Correction.Kind.CORRECTION)

    def updates(self) -> CorrectionQuerySet:
        return self.filter(kind=Correction.Kind.UPDATE)


class Correction(CleanTextModelMixin, models.Model):
    """A public log entry on a published claim: a correction (rating or substance, with the
    reason) or an update (clarification or typo, with a short note). Append-only."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("claim")
    )
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.CORRECTION, verbose_name=_("kind")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    what_changed = models.TextField(
        help_text=_("What changed; for an update, the public note."), verbose_name=_("what changed")
    )
    reason = models.TextField(
        blank=True, help_text=_("Why (required for a correction)."), verbose_name=_("reason")
    )
    previous_rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("previous rating"),
    )
    new_rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new rating"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("created by"),
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")
        constraints = [
            models.CheckConstraint(
                name="correction_has_reason",
                condition=Q(kind="update") | ~Q(reason=""),
                violation_error_message=_("A correction needs its reason."),
            ),
            models.CheckConstraint(
                name="correction_kind_valid", condition=Q(kind__in=["correction", "update"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to “{self.claim}” on {self.created_at:%Y-%m-%d}"

    @property
    def is_update(self) -> bool:
        return self.kind == self.Kind.UPDATE

    @property
    def rating_line(self) -> str:
        """ "Rating changed from A to B." when it did and the entry does not already say so."""
        before, after = self.previous_rating, self.new_rating
        if before is None or after is None or self.previous_rating_id == self.new_rating_id:
            return ""
        said = self.what_changed.casefold()
        if before.label.casefold() in said and after.label.casefold() in said:
            return ""
        return _("Rating changed from %(before)s to %(after)s.") % {
            "before": before.shown_label,
            "after": after.shown_label,
        }

    def save(self, *args, **kwargs) -> None:
        # The public log is append-only: a published entry is never rewritten; a new one is added.
        if not self._state.adding:
            raise WorkflowError(
                _("Published corrections and updates cannot be edited; add a new one instead.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise WorkflowError(_("Published corrections and updates cannot be deleted."))


class ClaimEvent(models.Model):
    """Append-only history of a claim's status, rating, attention, corrections and updates
    (who and when)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        RATING = "rating", _("Rating changed")
        ATTENTION = "attention", _("Flagged for attention")
        ACKNOWLEDGED = "acknowledged", _("Attention acknowledged")
        CORRECTION = "correction", _("Correction published")
        UPDATE = "update", _("Update published")

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="events", verbose_name=_("claim")
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("actor"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    from_status = models.CharField(
        max_length=20, blank=True, choices=Claim.Status.choices, verbose_name=_("from status")
    )
    to_status = models.CharField(
        max_length=20, blank=True, choices=Claim.Status.choices, verbose_name=_("to status")
    )
    from_rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("from rating"),
    )
    to_rating = models.ForeignKey(
        Rating,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to rating"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("claim event")
        verbose_name_plural = _("claim events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["claim", "at"], name="claimevent_claim_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.at:%Y-%m-%d %H:%M}"

    @property
    def to_public_status(self) -> bool:
        """Whether the claim was public after this change (published or corrected)."""
        return self.to_status in ClaimQuerySet.PUBLIC_STATUSES

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(_("Claim history is append-only."))
        super().save(*args, **kwargs)


class PendingPageInvalidation(models.Model):
    """A public page cache version that could not be bumped because the cache was unreachable.

    Written in the same transaction as the change, so a correction published during a Redis
    outage still reaches the cached pages: claims.tasks.flush_page_invalidations bumps these
    once the cache answers again (claims.caching).
    """

    key = models.CharField(max_length=100, unique=True, verbose_name=_("key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("pending page invalidation")
        verbose_name_plural = _("pending page invalidations")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.key} (since {self.created_at:%Y-%m-%d %H:%M})"


class ShareImage(models.Model):
    """The picture social sites show for a published claim (og:image), as last rendered by
    claims.share_images, with the fingerprint of what it shows.

    Kept in the database rather than on a disk: the worker that renders it and the web servers
    that serve it may be different hosts, and backups carry it with the claim.
    """

    claim = models.OneToOneField(Claim, on_delete=models.CASCADE, related_name="share_image")
    # sha256 of everything drawn (claims.share_images.share_image_fingerprint): a mismatch with
    # the claim as it is now means the picture is stale and is drawn again.
    fingerprint = models.CharField(max_length=64)
    png = models.BinaryField()
    rendered_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Share image of claim {self.claim_id} ({self.fingerprint[:12]})"
