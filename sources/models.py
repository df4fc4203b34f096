"""Evidence and monitoring: sources, the citations that quote them, checks and snapshots."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.exceptions import WorkflowError
from claims.hygiene import CleanTextModelMixin
from claims.models import Claim
from sources.addresses import MAX_URL_LENGTH, normalise_url, validate_source_url


def excerpt_digest(excerpt: str) -> str:
    """Identity of an excerpt for uniqueness: whitespace-folded, case kept."""
    return hashlib.sha256(" ".join(excerpt.split()).encode("utf-8")).hexdigest()


def cell_locator_label(sheet: str, row_labels: list, column_labels: list) -> str:
    """How a table or dataset cell is named to people: "Returns: 2024 / Enforced × Q3"."""
    rows = " / ".join(str(label) for label in row_labels)
    columns = " / ".join(str(label) for label in column_labels)
    return f"{sheet + ': ' if sheet else ''}{rows} × {columns}"


class SourceQuerySet(models.QuerySet):
    def due(self, now: datetime | None = None) -> SourceQuerySet:
        """Monitored sources whose next check time has come."""
        return self.filter(monitoring_enabled=True, next_check_at__lte=now or timezone.now())

    def in_state(self, *states: str) -> SourceQuerySet:
        return self.filter(state__in=states)

    def failing(self) -> SourceQuerySet:
        return self.filter(state__in=[Source.State.BROKEN, Source.State.BLOCKED])


class Source(CleanTextModelMixin, models.Model):
    class Kind(models.TextChoices):
        OFFICIAL_STATISTICS = "official_statistics", _("Official statistics")
        PRESS_RELEASE = "press_release", _("Press release")
        NEWS_REPORT = "news_report", _("News report")
        TRANSCRIPT = "transcript", _("Transcript")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        UNCHECKED = "unchecked", _("Not yet checked")
        OK = "ok", _("OK")
        CHANGED = "changed", _("Changed")
        REDIRECTED = "redirected", _("Redirected")
        BROKEN = "broken", _("Broken")
        BLOCKED = "blocked", _("Blocked")

    url = models.URLField(
        max_length=MAX_URL_LENGTH,
        unique=True,
        validators=[validate_source_url],
        verbose_name=_("url"),
    )
    host = models.CharField(max_length=255, editable=False, db_index=True, verbose_name=_("host"))
    title = models.CharField(max_length=300, blank=True, verbose_name=_("title"))
    publisher = models.CharField(max_length=200, blank=True, verbose_name=_("publisher"))
    kind = models.CharField(
        max_length=30, choices=Kind.choices, default=Kind.OTHER, verbose_name=_("kind")
    )
    monitoring_enabled = models.BooleanField(default=True, verbose_name=_("monitoring enabled"))

    state = models.CharField(
        max_length=20, choices=State.choices, default=State.UNCHECKED, verbose_name=_("state")
    )
    state_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("state changed at")
    )
    last_checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last checked at"))
    last_outcome = models.CharField(max_length=20, blank=True, verbose_name=_("last outcome"))
    next_check_at = models.DateTimeField(default=timezone.now, verbose_name=_("next check at"))
    check_interval_seconds = models.PositiveIntegerField(
        default=3600, verbose_name=_("check interval seconds")
    )
    consecutive_failures = models.PositiveIntegerField(
        default=0, verbose_name=_("consecutive failures")
    )
    first_failure_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first failure at")
    )
    # Where a permanent redirect leads; the cited URL itself is kept (it is what the claim cites).
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True, verbose_name=_("final url"))
    etag = models.CharField(max_length=500, blank=True, verbose_name=_("etag"))
    # SHA-256 of the last body read: the same bytes again need no extraction (most checks).
    body_hash = models.CharField(max_length=64, blank=True, verbose_name=_("body hash"))
    last_modified = models.CharField(max_length=100, blank=True, verbose_name=_("last modified"))
    current_snapshot = models.ForeignKey(
        "Snapshot",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current snapshot"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = SourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["url"]
        indexes = [
            # dispatch_due_checks: WHERE monitoring_enabled AND next_check_at <= now
            # ORDER BY next_check_at ... FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["next_check_at"],
                name="source_due_idx",
                condition=Q(monitoring_enabled=True),
            ),
            # Admin and API filter by state.
            models.Index(fields=["state"], name="source_state_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="source_url_http",
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def clean(self) -> None:
        if self.url:
            self.url = normalise_url(self.url)
            clash = Source.objects.filter(url=self.url).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"url": _("A source with this URL already exists.")})

    @classmethod
    def from_db(cls, db, field_names, values):
        source = super().from_db(db, field_names, values)
        # The address as stored, so a save can tell whether it is being changed (see save).
        source._stored_url = source.__dict__.get("url")
        return source

    def save(self, *args, **kwargs) -> None:
        self.url = normalise_url(self.url)
        self.host = urlsplit(self.url).hostname or ""
        stored = getattr(self, "_stored_url", None)
        if stored is not None and stored != self.url and self.cited_by_public_claim():
            # Readers followed this address from a published claim: a new address is a new
            # Source, swapped in through a recorded update (sources.citations), never in place.
            raise WorkflowError(
                _("A published claim cites this source, so its address cannot be changed.")
            )
        super().save(*args, **kwargs)
        self._stored_url = self.url

    def cited_by_public_claim(self) -> bool:
        return self.pk is not None and self.citations.of_public_claims().exists()


# What a check writes on the source: an editor's concurrent edit of title or URL is not undone.
MONITORING_FIELDS = [
    "state",
    "state_changed_at",
    "last_checked_at",
    "last_outcome",
    "next_check_at",
    "check_interval_seconds",
    "consecutive_failures",
    "first_failure_at",
    "final_url",
    "etag",
    "last_modified",
    "body_hash",
    "current_snapshot",
    "title",
]


class CitationQuerySet(models.QuerySet):
    def of_public_claims(self) -> CitationQuerySet:
        """Citations readers may see: those of published claims."""
        return self.filter(claim__in=Claim.objects.published())

    def visible_to(self, user) -> CitationQuerySet:
        return self.filter(claim__in=Claim.objects.visible_to(user))

    def with_moved_evidence(self) -> CitationQuerySet:
        """Citations whose passage is gone, reworded or has a changed number."""
        return self.filter(excerpt_state__in=Citation.MOVED_EVIDENCE)


class Citation(CleanTextModelMixin, models.Model):
    """A claim citing a source, with the exact excerpt and its live state on the page."""

    # What the claim page shows of a citation (the note and the excerpt's context are for
    # editors; the excerpt's live state is the monitor's, not an editorial change).
    READER_FIELDS = ("source", "role", "excerpt", "cited_figure", "position")

    class Role(models.TextChoices):
        ORIGIN = "origin", _("Origin (where the claim was made)")
        SUPPORTS = "supports", _("Supports")
        CONTRADICTS = "contradicts", _("Contradicts")
        CONTEXT = "context", _("Context")

    class LocatorKind(models.TextChoices):
        TEXT = "text", _("Quoted text")
        TABLE_CELL = "table_cell", _("Cell of a table on the page")
        DATASET_CELL = "dataset_cell", _("Cell of a dataset (CSV, XLSX, ODS)")

    class ExcerptState(models.TextChoices):
        """Where the cited passage stands on the page (the one definition; sources.excerpts
        decides them)."""

        PRESENT = "present", _("Present")
        REWORDED = "reworded", _("Reworded")
        MISSING = "missing", _("Missing")
        FIGURE_CHANGED = "figure_changed", _("Figure changed")
        UNKNOWN = "unknown", _("Not yet checked")

    # What monitoring writes on a citation at each check (editors and API clients only read it).
    MONITORED_FIELDS = (
        "excerpt_state",
        "found_text",
        "found_figure",
        "figure_changes",
        "excerpt_diff",
        "evidence_changed_at",
        "attention_reason",
        "excerpt_checked_at",
        "checked_excerpt_hash",
    )

    # States that flag the claims citing the passage for an editor's attention.
    MOVED_EVIDENCE = frozenset(
        {ExcerptState.MISSING, ExcerptState.REWORDED, ExcerptState.FIGURE_CHANGED}
    )

    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.CASCADE, related_name="citations", verbose_name=_("claim")
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    role = models.CharField(
        max_length=20, choices=Role.choices, default=Role.SUPPORTS, verbose_name=_("role")
    )
    excerpt = models.TextField(
        help_text=_(
            "The exact words on the page that the claim relies on (for a table or "
            "dataset cell, left blank it names the cell)."
        ),
        verbose_name=_("excerpt"),
    )
    # Context around the excerpt, like a W3C TextQuoteSelector, to re-anchor it after edits.
    excerpt_prefix = models.CharField(max_length=200, blank=True, verbose_name=_("excerpt prefix"))
    excerpt_suffix = models.CharField(max_length=200, blank=True, verbose_name=_("excerpt suffix"))
    excerpt_hash = models.CharField(max_length=64, editable=False, verbose_name=_("excerpt hash"))
    cited_figure = models.CharField(
        max_length=100,
        blank=True,
        help_text=_("The number in the excerpt to watch, e.g. 9,400."),
        verbose_name=_("cited figure"),
    )
    excerpt_state = models.CharField(
        max_length=20,
        choices=ExcerptState.choices,
        default=ExcerptState.UNKNOWN,
        verbose_name=_("excerpt state"),
    )
    found_text = models.TextField(
        blank=True,
        help_text=_("The passage as last found on the page."),
        verbose_name=_("found text"),
    )
    found_figure = models.CharField(max_length=100, blank=True, verbose_name=_("found figure"))
    # What the last check found different: every number changed, added or removed
    # ([{"old": "2010", "new": "2017"}]) and the word-level diff excerpt -> page
    # ([{"op": "equal" | "replace" | "delete" | "insert", "old": ..., "new": ...}]).
    figure_changes = models.JSONField(default=list, blank=True, verbose_name=_("figure changes"))
    excerpt_diff = models.JSONField(default=list, blank=True, verbose_name=_("excerpt diff"))
    # When the passage was first seen changed (cleared when it is present again).
    evidence_changed_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("evidence changed at")
    )
    # One line for the editors' queue: "figure 9,400 → 9,450 on <source>, 3 Dec".
    attention_reason = models.CharField(
        max_length=300, blank=True, verbose_name=_("attention reason")
    )
    excerpt_checked_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("excerpt checked at")
    )
    # excerpt_hash at the last check: an edited excerpt is looked up again even on a 304.
    checked_excerpt_hash = models.CharField(
        max_length=64, blank=True, editable=False, verbose_name=_("checked excerpt hash")
    )
    # A cell of a table or dataset, found again by its labels wherever its row or column moves.
    locator_kind = models.CharField(
        max_length=20,
        choices=LocatorKind.choices,
        default=LocatorKind.TEXT,
        verbose_name=_("locator kind"),
    )
    sheet = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The dataset's sheet, or the table's caption or heading (blank: any table)."),
        verbose_name=_("sheet"),
    )
    row_labels = models.JSONField(
        default=list,
        blank=True,
        help_text=_('The row\'s labels, e.g. ["2024", "Enforced returns"].'),
        verbose_name=_("row labels"),
    )
    column_labels = models.JSONField(
        default=list,
        blank=True,
        help_text=_('The column\'s headers from top to bottom, e.g. ["2024", "Q3"].'),
        verbose_name=_("column labels"),
    )
    expected_value = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The value of the cell as cited, e.g. 9,400."),
        verbose_name=_("expected value"),
    )
    note = models.TextField(blank=True, verbose_name=_("note"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = CitationQuerySet.as_manager()

    def attention_line(self) -> str:
        """Why this citation needs an editor, in one line (the editor's desk shows it)."""
        if self.attention_reason:
            return self.attention_reason
        line = f"{self.source}: {str(self.get_excerpt_state_display()).lower()}"
        if self.cited_figure or self.found_figure:
            line += " " + _("(cited %(cited)s, found %(found)s)") % {
                "cited": self.cited_figure or "—",
                "found": self.found_figure or "—",
            }
        return line

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source", "excerpt_hash"],
                name="citation_unique_excerpt",
                violation_error_message=_("This claim already cites this excerpt of this source."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} ← {self.source} ({self.get_role_display()})"

    @property
    def locates_cell(self) -> bool:
        return self.locator_kind != self.LocatorKind.TEXT

    @property
    def locator_label(self) -> str:
        return cell_locator_label(self.sheet, self.row_labels or [], self.column_labels or [])

    def identity_digest(self) -> str:
        """excerpt_hash: the excerpt's digest; a cell citation's also covers its locator, so an
        edited locator is looked up again and two cells may share a description."""
        if not self.locates_cell:
            return excerpt_digest(self.excerpt)
        locator = json.dumps(
            [self.locator_kind, self.sheet, self.row_labels, self.column_labels], sort_keys=True
        )
        return excerpt_digest(f"{self.excerpt}\x1f{locator}")

    def _clean_locator(self) -> None:
        if not self.locates_cell:
            return
        errors = {}
        for name in ("row_labels", "column_labels"):
            labels = getattr(self, name)
            if not isinstance(labels, list) or not labels:
                errors[name] = _("Give at least one label, as a list of texts.")
            elif not all(isinstance(label, str | int | float) for label in labels):
                errors[name] = _("Labels are texts or numbers.")
            else:
                setattr(self, name, [str(label).strip() for label in labels])
        if not self.expected_value.strip():
            errors["expected_value"] = _("Give the value of the cell as cited.")
        if errors:
            raise ValidationError(errors)
        if not self.excerpt.strip():
            self.excerpt = self.locator_label

    def clean(self) -> None:
        self._clean_locator()
        if not self.excerpt.strip():
            raise ValidationError({"excerpt": _("Quote the words on the page.")})
        self.excerpt_hash = self.identity_digest()
        if self.claim_id and self.source_id:
            duplicate = Citation.objects.filter(
                claim_id=self.claim_id, source_id=self.source_id, excerpt_hash=self.excerpt_hash
            ).exclude(pk=self.pk)
            if duplicate.exists():
                raise ValidationError(_("This claim already cites this excerpt of this source."))

    def save(self, *args, **kwargs) -> None:
        if self.locates_cell and not self.excerpt.strip():
            self.excerpt = self.locator_label
        self.excerpt_hash = self.identity_digest()
        super().save(*args, **kwargs)


class CitationRevision(models.Model):
    """An earlier wording or figure of a citation, kept when an editor accepted the page's."""

    citation = models.ForeignKey(
        Citation, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("citation")
    )
    changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    old_excerpt = models.TextField(verbose_name=_("old excerpt"))
    new_excerpt = models.TextField(verbose_name=_("new excerpt"))
    old_cited_figure = models.CharField(
        max_length=100, blank=True, verbose_name=_("old cited figure")
    )
    new_cited_figure = models.CharField(
        max_length=100, blank=True, verbose_name=_("new cited figure")
    )
    # The state and what the page said when it was accepted ("figure_changed", "reworded").
    excerpt_state = models.CharField(max_length=20, blank=True, verbose_name=_("excerpt state"))
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("citation revision")
        verbose_name_plural = _("citation revisions")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.citation_id} @ {self.changed_at:%Y-%m-%d %H:%M}"


class Snapshot(models.Model):
    """The extracted text of one version of a source; a new row only when the text changed."""

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("source")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    content_hash = models.CharField(
        max_length=64,
        help_text=_("SHA-256 of the normalised main text."),
        verbose_name=_("content hash"),
    )
    title = models.CharField(max_length=500, blank=True, verbose_name=_("title"))
    main_text = models.TextField(verbose_name=_("main text"))
    full_text = models.TextField(
        blank=True,
        help_text=_("All visible text, where excerpts are sought."),
        verbose_name=_("full text"),
    )
    content_type = models.CharField(max_length=100, blank=True, verbose_name=_("content type"))
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True, verbose_name=_("final url"))
    # The tables of the page or the sheets of a dataset, where cell citations are found:
    # [{"name": caption or sheet name, "rows": [[cell text, ...], ...]}].
    tables = models.JSONField(default=list, blank=True, verbose_name=_("tables"))

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        constraints = [
            models.UniqueConstraint(fields=["source", "content_hash"], name="snapshot_unique_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.source} @ {self.created_at:%Y-%m-%d %H:%M}"


class SourceCheck(models.Model):
    """One outcome of checking a source; repeats of the same outcome update the row's counters."""

    class Outcome(models.TextChoices):
        OK = "ok", _("OK")
        NOT_MODIFIED = "not_modified", _("Not modified")
        CHANGED = "changed", _("Changed")
        REDIRECTED = "redirected", _("Redirected")
        NOT_FOUND = "not_found", _("Not found")
        GONE = "gone", _("Gone")
        SERVER_ERROR = "server_error", _("Server error")
        CLIENT_ERROR = "client_error", _("Refused by the server")
        SOFT_404 = "soft_404", _("Page says not found")
        TIMEOUT = "timeout", _("Timed out")
        DNS_ERROR = "dns_error", _("DNS error")
        TLS_ERROR = "tls_error", _("TLS error")
        REFUSED = "refused", _("Connection refused")
        BLOCKED = "blocked", _("Blocked (unsafe address)")
        TOO_LARGE = "too_large", _("Too large")
        UNSUPPORTED = "unsupported", _("Unsupported content")
        ERROR = "error", _("Other error")

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="checks", verbose_name=_("source")
    )
    started_at = models.DateTimeField(default=timezone.now, verbose_name=_("started at"))
    last_seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("last seen at"))
    repeat_count = models.PositiveIntegerField(default=1, verbose_name=_("repeat count"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))
    outcome = models.CharField(max_length=20, choices=Outcome.choices, verbose_name=_("outcome"))
    http_status = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("http status")
    )
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True, verbose_name=_("final url"))
    redirect_chain = models.JSONField(default=list, blank=True, verbose_name=_("redirect chain"))
    content_type = models.CharField(max_length=200, blank=True, verbose_name=_("content type"))
    content_length = models.PositiveBigIntegerField(
        null=True, blank=True, verbose_name=_("content length")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("snapshot"),
    )

    class Meta:
        verbose_name = _("source check")
        verbose_name_plural = _("source checks")
        ordering = ["-last_seen_at", "-pk"]
        get_latest_by = "last_seen_at"
        indexes = [
            # Check history of one source, newest first (admin inline, API, "latest check").
            models.Index(fields=["source", "-last_seen_at"], name="sourcecheck_history_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.get_outcome_display()} ({self.repeat_count}×)"


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """A job is its starter's business (and administrators'): anyone else sees none."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(started_by=user)

    def stalled(self, before: datetime) -> ImportJobQuerySet:
        """Unfinished jobs with no progress since `before` (their task was lost)."""
        active = self.filter(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
        return active.filter(
            Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, created_at__lt=before)
        )


class ImportJob(models.Model):
    """A background import: its items (ImportJobItem) are the work list, progress and report."""

    class Kind(models.TextChoices):
        CLAIMREVIEW = "claimreview", "ClaimReview"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Not a counter: job addresses are handed to API clients and should not be guessable.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CLAIMREVIEW)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="import_jobs",
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # Runs started: more than one means the job was resumed (worker lost, time slice ended).
    runs = models.PositiveIntegerField(default=0)
    # The task message meant to run the job next: older messages (a redelivered slice that
    # was already handed over) do nothing, so messages never multiply.
    task_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # A user's jobs, newest first (API list, admin changelist for editors).
            models.Index(fields=["started_by", "-created_at"], name="importjob_user_idx"),
            # The stalled-job sweep looks only at unfinished jobs.
            models.Index(
                fields=["heartbeat_at"],
                name="importjob_active_idx",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.done}/{self.total})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent_done(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class ImportJobItem(models.Model):
    """One item of an import job: the item as received, then its outcome (the report row)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Unchanged"
        REJECTED = "rejected", "Rejected"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    # JSON text with non-ASCII escaped: PostgreSQL's jsonb refuses NULs and lone surrogates,
    # which must reach the importer to be reported on their item.
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    url = models.CharField(max_length=MAX_URL_LENGTH, blank=True)
    claim = models.ForeignKey(
        Claim, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="importjobitem_unique_index"),
        ]
        indexes = [
            # The runner's next chunk: a job's pending items in order.
            models.Index(
                fields=["job", "index"],
                name="importjobitem_pending_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.index}: {self.status}"
