"""Admin for sources, citations and monitoring history; adds citations to the claim page."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html

from claims.admin import ClaimAdmin
from claims.models import Claim
from sources.models import Citation, Snapshot, Source, SourceCheck, excerpt_digest

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


admin.site.unregister(Claim)


@admin.register(Claim)
class ClaimWithCitationsAdmin(ClaimAdmin):
    """The claim page with its citations (sources depends on claims, never the reverse)."""

    inlines = [ClaimAdmin.inlines[0], CitationInline, *ClaimAdmin.inlines[1:]]


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


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "publisher",
        "kind",
        "state_label",
        "last_checked_at",
        "next_check_at",
        "consecutive_failures",
    ]
    list_filter = ["state", "kind", "monitoring_enabled"]
    search_fields = ["url", "title", "publisher"]
    readonly_fields = [
        "host",
        "state",
        "state_changed_at",
        "last_checked_at",
        "last_outcome",
        "next_check_at",
        "check_interval_seconds",
        "consecutive_failures",
        "first_failure_at",
        "etag",
        "last_modified",
        "current_snapshot",
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
