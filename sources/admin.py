"""Admin for sources, citations and monitoring history; the evidence parts of the claim desk.

Claims may not import sources, so what the claim desk needs from here is wired from this
side: the citation inline joins the claim page through `claims.admin.add_claim_inline`, and
the "Intake from article" screen is `claim_intake_view`, routed in config/urls.py at the
claim admin's address (admin/claims/claim/intake/).
"""

from __future__ import annotations

import difflib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from claims.admin import add_claim_inline
from claims.admin.intake import IntakeForm, intake_page
from claims.models import Claim
from sources import intake
from sources.models import (
    MONITORING_FIELDS,
    Citation,
    Snapshot,
    Source,
    SourceCheck,
    excerpt_digest,
)
from sources.tasks import check_source

STATE_COLOURS = {
    Source.State.UNCHECKED: "#57606a",
    Source.State.OK: "#1a7f37",
    Source.State.CHANGED: "#8a5a00",
    Source.State.REDIRECTED: "#0b5cad",
    Source.State.BROKEN: "#b42318",
    Source.State.BLOCKED: "#6e3fae",
}


def state_badge(source: Source) -> str:
    return format_html(
        '<span style="background:{};color:#fff;padding:1px 6px;border-radius:3px">{}</span>',
        STATE_COLOURS.get(source.state, "#57606a"),
        source.get_state_display(),
    )


class CitationFormSet(forms.BaseInlineFormSet):
    """Refuse the same excerpt of the same source twice within one save."""

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            source = form.cleaned_data.get("source") or getattr(form.instance, "source", None)
            claim = form.cleaned_data.get("claim") or getattr(form.instance, "claim", None)
            excerpt = form.cleaned_data.get("excerpt")
            if not excerpt or source is None:
                continue
            key = (getattr(claim, "pk", None), source.pk, excerpt_digest(excerpt))
            if key in seen:
                raise ValidationError("The same excerpt of the same source is cited twice.")
            seen.add(key)


class CitationInline(admin.StackedInline):
    model = Citation
    formset = CitationFormSet
    extra = 0
    autocomplete_fields = ["source"]
    fields = [
        "source",
        "role",
        "excerpt",
        ("excerpt_prefix", "excerpt_suffix"),
        "cited_figure",
        "note",
        ("excerpt_state", "found_figure", "excerpt_checked_at"),
        "found_text",
    ]
    readonly_fields = ["excerpt_state", "found_figure", "excerpt_checked_at", "found_text"]


class SourceCitationInline(CitationInline):
    autocomplete_fields = ["claim"]
    fields = ["claim", "role", "excerpt", "cited_figure", "excerpt_state", "found_figure"]
    verbose_name_plural = "Citations of this source"


add_claim_inline(CitationInline)


class SourceCheckInline(admin.TabularInline):
    model = SourceCheck
    extra = 0
    max_num = 0
    can_delete = False
    fields = [
        "started_at",
        "last_seen_at",
        "repeat_count",
        "outcome",
        "http_status",
        "duration_ms",
        "final_url",
        "error",
    ]
    readonly_fields = fields
    ordering = ["-last_seen_at"]
    verbose_name_plural = "Check history (one row per change of outcome)"


def snapshot_diff_table(older: Snapshot, newer: Snapshot) -> str:
    """Side-by-side HTML diff of two snapshots' main text (difflib escapes the text itself)."""
    table = difflib.HtmlDiff(wrapcolumn=80).make_table(
        older.main_text.splitlines(),
        newer.main_text.splitlines(),
        fromdesc=escape(f"{older.created_at:%Y-%m-%d %H:%M} ({older.content_hash[:10]})"),
        todesc=escape(f"{newer.created_at:%Y-%m-%d %H:%M} ({newer.content_hash[:10]})"),
        context=True,
        numlines=2,
    )
    return mark_safe(table)  # noqa: S308 - HtmlDiff escapes every line; descriptions escaped above


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "publisher",
        "kind",
        "state_label",
        "last_outcome",
        "last_checked_at",
        "next_check_at",
        "consecutive_failures",
    ]
    list_filter = ["state", "last_outcome", "kind", "monitoring_enabled"]
    search_fields = ["url", "title", "publisher"]
    actions = ["check_now"]
    # What monitoring writes is read-only here, except the title editors may correct (and the
    # body hash, which only tells checks that the bytes are the same).
    readonly_fields = [
        "host",
        *(f for f in MONITORING_FIELDS if f not in {"title", "body_hash"}),
        "snapshot_links",
        "created_at",
    ]
    fieldsets = [
        (None, {"fields": ["url", "title", "publisher", "kind", "monitoring_enabled"]}),
        ("Monitoring", {"fields": readonly_fields}),
    ]
    inlines = [SourceCitationInline, SourceCheckInline]

    @admin.display(description="State", ordering="state")
    def state_label(self, obj: Source) -> str:
        return state_badge(obj)

    @admin.display(description="Archived versions")
    def snapshot_links(self, obj: Source) -> str:
        if not obj.pk:
            return "-"
        count = obj.snapshots.count()
        url = reverse("admin:sources_source_snapshots", args=[obj.pk])
        return format_html('<a href="{}">{} version(s): text and differences</a>', url, count)

    @admin.action(description="Check now (queued for the worker)")
    def check_now(self, request: HttpRequest, queryset: QuerySet[Source]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        # Enqueue after commit: the worker must see the same rows this request sees.
        transaction.on_commit(lambda: [check_source.delay(pk) for pk in ids])
        self.message_user(
            request, f"{len(ids)} check(s) queued; refresh in a moment.", messages.SUCCESS
        )

    def get_urls(self):
        extra = [
            path(
                "<int:source_id>/snapshots/",
                self.admin_site.admin_view(self.snapshots_view),
                name="sources_source_snapshots",
            ),
            path(
                "<int:source_id>/snapshots/<int:snapshot_id>/",
                self.admin_site.admin_view(self.snapshot_text_view),
                name="sources_source_snapshot_text",
            ),
            path(
                "<int:source_id>/snapshots/diff/",
                self.admin_site.admin_view(self.snapshot_diff_view),
                name="sources_source_snapshot_diff",
            ),
        ]
        return extra + super().get_urls()

    def _source_for(self, request: HttpRequest, source_id: int) -> Source:
        source = get_object_or_404(Source, pk=source_id)
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        return source

    def _context(self, request: HttpRequest, source: Source, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "source": source,
            "title": title,
            **extra,
        }

    def snapshots_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        source = self._source_for(request, source_id)
        snapshots = list(
            source.snapshots.order_by("-created_at", "-pk").only(
                "pk", "created_at", "content_hash", "title", "content_type", "final_url"
            )
        )
        rows = [
            {"snapshot": snap, "previous": snapshots[i + 1] if i + 1 < len(snapshots) else None}
            for i, snap in enumerate(snapshots)
        ]
        context = self._context(request, source, f"Archived versions of {source}", rows=rows)
        return TemplateResponse(request, "admin/sources/source/snapshots.html", context)

    def snapshot_text_view(
        self, request: HttpRequest, source_id: int, snapshot_id: int
    ) -> HttpResponse:
        source = self._source_for(request, source_id)
        snapshot = get_object_or_404(Snapshot, pk=snapshot_id, source=source)
        context = self._context(
            request,
            source,
            f"Text of {source} on {snapshot.created_at:%Y-%m-%d %H:%M}",
            snapshot=snapshot,
        )
        return TemplateResponse(request, "admin/sources/source/snapshot_text.html", context)

    def snapshot_diff_view(self, request: HttpRequest, source_id: int) -> HttpResponse:
        source = self._source_for(request, source_id)
        try:
            older_id, newer_id = int(request.GET["from"]), int(request.GET["to"])
        except (KeyError, ValueError):
            raise Http404("Choose two versions to compare.") from None
        older = get_object_or_404(Snapshot, pk=older_id, source=source)
        newer = get_object_or_404(Snapshot, pk=newer_id, source=source)
        context = self._context(
            request,
            source,
            f"Changes to {source}",
            older=older,
            newer=newer,
            diff_table=snapshot_diff_table(older, newer),
            identical=older.content_hash == newer.content_hash,
        )
        return TemplateResponse(request, "admin/sources/source/snapshot_diff.html", context)


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    list_display = ["claim", "source", "role", "excerpt_state", "cited_figure", "found_figure"]
    list_filter = ["role", "excerpt_state"]
    list_select_related = ["claim", "source"]
    search_fields = ["excerpt", "claim__title", "source__url"]
    autocomplete_fields = ["claim", "source"]
    readonly_fields = ["excerpt_state", "found_text", "found_figure", "excerpt_checked_at"]


@admin.register(SourceCheck)
class SourceCheckAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "outcome",
        "http_status",
        "repeat_count",
        "started_at",
        "last_seen_at",
    ]
    list_filter = ["outcome"]
    list_select_related = ["source"]
    search_fields = ["source__url", "error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["source", "created_at", "title", "content_hash"]
    list_select_related = ["source"]
    search_fields = ["source__url", "title"]
    readonly_fields = [
        "source",
        "created_at",
        "content_hash",
        "title",
        "content_type",
        "final_url",
        "main_text",
        "full_text",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def claim_intake_view(request: HttpRequest) -> HttpResponse:
    """Paste an article or give its URL, tick the candidate sentences to keep, get drafts."""
    if not admin.site.get_model_admin(Claim).has_add_permission(request):
        raise PermissionDenied
    form = IntakeForm(request.POST or None)
    creating = "create" in request.POST
    if request.method != "POST" or not form.is_valid():
        return intake_page(request, form=form, candidates=[], article_text="")
    ticked = set(request.POST.getlist("keep")) if creating else set()
    try:
        read = intake.intake_article(
            user=request.user,
            text=form.cleaned_data["text"],
            source_url=form.cleaned_data["source_url"] or "",
            claimant=form.cleaned_data["claimant"],
            published_on=form.cleaned_data["published_on"],
            choose=lambda ranked: [c for c in ranked if str(c.start) in ticked],
        )
    except intake.ArticleUnavailable as error:
        form.add_error("source_url", str(error))
        return intake_page(request, form=form, candidates=[], article_text="")
    except intake.DraftsRefused as refusal:
        messages.error(request, f"No drafts were created: {refusal}")
        read = refusal.intake
    else:
        if read.drafts:
            messages.success(request, drafts_created_message(read.drafts))
            return HttpResponseRedirect(reverse("admin:claims_claim_changelist") + "?status=draft")
        if creating:
            messages.error(request, "Tick at least one candidate to keep.")
    if not form.cleaned_data["text"].strip():
        # Show the fetched text, so drafts are created from exactly what was shown.
        data = request.POST.copy()
        data["text"] = read.article_text
        data["published_on"] = read.published_on.isoformat() if read.published_on else ""
        form = IntakeForm(data)
        form.is_valid()
    return intake_page(
        request, form=form, candidates=read.candidates, article_text=read.article_text
    )


def drafts_created_message(drafts: list[Claim]) -> str:
    return format_html(
        "Created {} draft claim(s): {}",
        len(drafts),
        format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:claims_claim_change", args=[c.pk]), c.title) for c in drafts),
        ),
    )
