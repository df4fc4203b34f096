"""Evidence and monitoring: sources, the citations that quote them, checks and snapshots."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from claims.models import Claim

MAX_URL_LENGTH = 2000
# Query parameters that only track the reader; dropping them makes one page one Source.
TRACKING_PARAMS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid)$", re.IGNORECASE)
_url_syntax = URLValidator(schemes=["http", "https"])


def _literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any spelling (2130706433, 0x7f.1, [::1]), or None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-Fx.]+", host) and not re.fullmatch(r"[a-fA-F.]+", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def validate_source_url(url: str) -> None:
    """Refuse URLs that cannot be monitored safely, with a message an editor can act on."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"URLs are limited to {MAX_URL_LENGTH} characters.")
    if any(ch in url for ch in "\\\t\r\n ") or any(ord(ch) < 32 for ch in url):
        raise ValidationError("The URL contains spaces, backslashes or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError("Only http:// and https:// URLs can be monitored.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError("URLs with a user name or password are not accepted.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError("The URL has no host name.")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValidationError("The URL has an invalid port.") from None
    # The fetcher's own address policy, so an editor hears "no" at creation, not at first check.
    from sources.addresses import address_refusal, allowed_by_setting

    address = _literal_ip(host)
    if allowed_by_setting(host, address):
        pass
    elif address is not None:
        if address_refusal(address):
            raise ValidationError("The URL points to a private or local address.")
    elif host.lower() == "localhost" or host.lower().endswith(
        (".localhost", ".local", ".internal")
    ):
        raise ValidationError("The URL points to a local host name.")
    _url_syntax(url)


def normalise_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, fragment or trackers."""
    url = url.strip()
    validate_source_url(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError("The host name is not valid.") from None
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = (
        host
        if port is None or (scheme, port) in {("http", 80), ("https", 443)}
        else f"{host}:{port}"
    )
    query_pairs = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_PARAMS.match(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query_pairs, doseq=True), ""))


def excerpt_digest(excerpt: str) -> str:
    """Identity of an excerpt for uniqueness: whitespace-folded, case kept."""
    return hashlib.sha256(" ".join(excerpt.split()).encode("utf-8")).hexdigest()


class SourceQuerySet(models.QuerySet):
    def due(self, now: datetime | None = None) -> SourceQuerySet:
        """Monitored sources whose next check time has come."""
        return self.filter(monitoring_enabled=True, next_check_at__lte=now or timezone.now())

    def in_state(self, *states: str) -> SourceQuerySet:
        return self.filter(state__in=states)

    def failing(self) -> SourceQuerySet:
        return self.filter(state__in=[Source.State.BROKEN, Source.State.BLOCKED])


class Source(models.Model):
    class Kind(models.TextChoices):
        OFFICIAL_STATISTICS = "official_statistics", "Official statistics"
        PRESS_RELEASE = "press_release", "Press release"
        NEWS_REPORT = "news_report", "News report"
        TRANSCRIPT = "transcript", "Transcript"
        OTHER = "other", "Other"

    class State(models.TextChoices):
        UNCHECKED = "unchecked", "Not yet checked"
        OK = "ok", "OK"
        CHANGED = "changed", "Changed"
        REDIRECTED = "redirected", "Redirected"
        BROKEN = "broken", "Broken"
        BLOCKED = "blocked", "Blocked"

    url = models.URLField(max_length=MAX_URL_LENGTH, unique=True, validators=[validate_source_url])
    host = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(max_length=300, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    monitoring_enabled = models.BooleanField(default=True)

    state = models.CharField(max_length=20, choices=State.choices, default=State.UNCHECKED)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=20, blank=True)
    next_check_at = models.DateTimeField(default=timezone.now)
    check_interval_seconds = models.PositiveIntegerField(default=3600)
    consecutive_failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    # Where a permanent redirect leads; the cited URL itself is kept (it is what the claim cites).
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    # SHA-256 of the last body read: the same bytes again need no extraction (most checks).
    body_hash = models.CharField(max_length=64, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    current_snapshot = models.ForeignKey(
        "Snapshot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
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
                raise ValidationError({"url": "A source with this URL already exists."})

    def save(self, *args, **kwargs) -> None:
        self.url = normalise_url(self.url)
        self.host = urlsplit(self.url).hostname or ""
        super().save(*args, **kwargs)


class CitationQuerySet(models.QuerySet):
    def of_public_claims(self) -> CitationQuerySet:
        """Citations readers may see: those of published claims."""
        return self.filter(claim__in=Claim.objects.published())

    def visible_to(self, user) -> CitationQuerySet:
        return self.filter(claim__in=Claim.objects.visible_to(user))

    def with_moved_evidence(self) -> CitationQuerySet:
        """Citations whose passage is gone, reworded or has a changed number."""
        return self.filter(excerpt_state__in=Citation.MOVED_EVIDENCE)


class Citation(models.Model):
    """A claim citing a source, with the exact excerpt and its live state on the page."""

    class Role(models.TextChoices):
        ORIGIN = "origin", "Origin (where the claim was made)"
        SUPPORTS = "supports", "Supports"
        CONTRADICTS = "contradicts", "Contradicts"
        CONTEXT = "context", "Context"

    class ExcerptState(models.TextChoices):
        """Where the cited passage stands on the page (the one definition; sources.excerpts
        decides them)."""

        PRESENT = "present", "Present"
        REWORDED = "reworded", "Reworded"
        MISSING = "missing", "Missing"
        FIGURE_CHANGED = "figure_changed", "Figure changed"
        UNKNOWN = "unknown", "Not yet checked"

    # States that flag the claims citing the passage for an editor's attention.
    MOVED_EVIDENCE = frozenset(
        {ExcerptState.MISSING, ExcerptState.REWORDED, ExcerptState.FIGURE_CHANGED}
    )

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SUPPORTS)
    excerpt = models.TextField(help_text="The exact words on the page that the claim relies on.")
    # Context around the excerpt, like a W3C TextQuoteSelector, to re-anchor it after edits.
    excerpt_prefix = models.CharField(max_length=200, blank=True)
    excerpt_suffix = models.CharField(max_length=200, blank=True)
    excerpt_hash = models.CharField(max_length=64, editable=False)
    cited_figure = models.CharField(
        max_length=100, blank=True, help_text="The number in the excerpt to watch, e.g. 9,400."
    )
    excerpt_state = models.CharField(
        max_length=20, choices=ExcerptState.choices, default=ExcerptState.UNKNOWN
    )
    found_text = models.TextField(blank=True, help_text="The passage as last found on the page.")
    found_figure = models.CharField(max_length=100, blank=True)
    # What the last check found different: every number changed, added or removed
    # ([{"old": "2010", "new": "2017"}]) and the word-level diff excerpt -> page
    # ([{"op": "equal" | "replace" | "delete" | "insert", "old": ..., "new": ...}]).
    figure_changes = models.JSONField(default=list, blank=True)
    excerpt_diff = models.JSONField(default=list, blank=True)
    # When the passage was first seen changed (cleared when it is present again).
    evidence_changed_at = models.DateTimeField(null=True, blank=True)
    # One line for the editors' queue: "figure 9,400 → 9,450 on <source>, 3 Dec".
    attention_reason = models.CharField(max_length=300, blank=True)
    excerpt_checked_at = models.DateTimeField(null=True, blank=True)
    # excerpt_hash at the last check: an edited excerpt is looked up again even on a 304.
    checked_excerpt_hash = models.CharField(max_length=64, blank=True, editable=False)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "source", "excerpt_hash"],
                name="citation_unique_excerpt",
                violation_error_message="This claim already cites this excerpt of this source.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} ← {self.source} ({self.get_role_display()})"

    def clean(self) -> None:
        if not self.excerpt.strip():
            raise ValidationError({"excerpt": "Quote the words on the page."})
        self.excerpt_hash = excerpt_digest(self.excerpt)
        if self.claim_id and self.source_id:
            duplicate = Citation.objects.filter(
                claim_id=self.claim_id, source_id=self.source_id, excerpt_hash=self.excerpt_hash
            ).exclude(pk=self.pk)
            if duplicate.exists():
                raise ValidationError("This claim already cites this excerpt of this source.")

    def save(self, *args, **kwargs) -> None:
        self.excerpt_hash = excerpt_digest(self.excerpt)
        super().save(*args, **kwargs)


class CitationRevision(models.Model):
    """An earlier wording or figure of a citation, kept when an editor accepted the page's."""

    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    old_excerpt = models.TextField()
    new_excerpt = models.TextField()
    old_cited_figure = models.CharField(max_length=100, blank=True)
    new_cited_figure = models.CharField(max_length=100, blank=True)
    # The state and what the page said when it was accepted ("figure_changed", "reworded").
    excerpt_state = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.citation_id} @ {self.changed_at:%Y-%m-%d %H:%M}"


class Snapshot(models.Model):
    """The extracted text of one version of a source; a new row only when the text changed."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="snapshots")
    created_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the normalised main text.")
    title = models.CharField(max_length=500, blank=True)
    main_text = models.TextField()
    full_text = models.TextField(
        blank=True, help_text="All visible text, where excerpts are sought."
    )
    content_type = models.CharField(max_length=100, blank=True)
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)

    class Meta:
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
        OK = "ok", "OK"
        NOT_MODIFIED = "not_modified", "Not modified"
        CHANGED = "changed", "Changed"
        REDIRECTED = "redirected", "Redirected"
        NOT_FOUND = "not_found", "Not found"
        GONE = "gone", "Gone"
        SERVER_ERROR = "server_error", "Server error"
        CLIENT_ERROR = "client_error", "Refused by the server"
        SOFT_404 = "soft_404", "Page says not found"
        TIMEOUT = "timeout", "Timed out"
        DNS_ERROR = "dns_error", "DNS error"
        TLS_ERROR = "tls_error", "TLS error"
        REFUSED = "refused", "Connection refused"
        BLOCKED = "blocked", "Blocked (unsafe address)"
        TOO_LARGE = "too_large", "Too large"
        UNSUPPORTED = "unsupported", "Unsupported content"
        ERROR = "error", "Other error"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="checks")
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    repeat_count = models.PositiveIntegerField(default=1)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=MAX_URL_LENGTH, blank=True)
    redirect_chain = models.JSONField(default=list, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    content_length = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    snapshot = models.ForeignKey(
        Snapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="checks"
    )

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        get_latest_by = "last_seen_at"
        indexes = [
            # Check history of one source, newest first (admin inline, API, "latest check").
            models.Index(fields=["source", "-last_seen_at"], name="sourcecheck_history_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.get_outcome_display()} ({self.repeat_count}×)"
