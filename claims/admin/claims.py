"""The claim desk: ClaimAdmin with its inlines and actions, and the claim parts' own admins.

State changes go through claims.workflow, never straight to the model. Apps that build on
claims add inlines to the claim page with `add_claim_inline` (see claims/admin/__init__.py).
"""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html

from claims import workflow
from claims.admin.reference import rating_badge
from claims.admin.repeats import RepeatsAdminMixin
from claims.figures import format_number
from claims.models import Claim, ClaimEvent, Correction, Figure


class FigureInline(admin.TabularInline):
    model = Figure
    extra = 0
    fields = [
        "label",
        "value",
        "unit",
        "approximation",
        "period",
        "stated_change_pct",
        "baseline_period",
        "baseline_value",
        "arithmetic",
    ]
    readonly_fields = ["arithmetic"]

    @admin.display(description="Arithmetic check")
    def arithmetic(self, obj: Figure) -> str:
        return figure_arithmetic(obj)


def figure_arithmetic(figure: Figure) -> str:
    """One line for editors: implied baseline and whether the stated change holds."""
    if figure.pk is None or figure.stated_change_pct is None:
        return "—"
    parts = []
    implied = figure.implied_baseline
    if implied is not None:
        period = f" in {figure.baseline_period}" if figure.baseline_period else ""
        parts.append(f"implies about {format_number(implied.quantize(1))}{period}")
    consistent = figure.change_is_consistent
    if consistent is True:
        parts.append(f"consistent with {format_number(figure.baseline_value)}")
    elif consistent is False:
        parts.append(
            f"INCONSISTENT: {format_number(figure.baseline_value)} → "
            f"{format_number(figure.value)} is {figure.actual_change_pct}%"
        )
    return "; ".join(parts) or "—"


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    fields = ["created_at", "what_changed", "reason", "previous_rating", "new_rating", "created_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        # Corrections are written through the claim form / workflow, so they stay consistent.
        return False


class ClaimEventInline(admin.TabularInline):
    model = ClaimEvent
    extra = 0
    fields = ["at", "actor", "kind", "from_status", "to_status", "from_rating", "to_rating", "note"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "History (status, rating and attention changes)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ClaimAdminForm(forms.ModelForm):
    correction_what = forms.CharField(
        label="Correction: what changed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when you change the rating of a published claim; shown publicly.",
    )
    correction_reason = forms.CharField(
        label="Correction: why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Claim
        fields = "__all__"

    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.is_public and "rating" in self.changed_data:
            if cleaned.get("rating") is None:
                self.add_error("rating", "A published claim must keep a rating.")
            if not (cleaned.get("correction_what") or "").strip():
                self.add_error(
                    "correction_what",
                    "Changing the rating of a published claim needs a correction: say what changed.",
                )
            if not (cleaned.get("correction_reason") or "").strip():
                self.add_error("correction_reason", "Say why the rating changed.")
        return cleaned

    def correction_note(self) -> workflow.CorrectionNote | None:
        what = (self.cleaned_data.get("correction_what") or "").strip()
        reason = (self.cleaned_data.get("correction_reason") or "").strip()
        return workflow.CorrectionNote(what, reason) if what or reason else None


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason (public)")


@admin.register(Claim)
class ClaimAdmin(RepeatsAdminMixin, admin.ModelAdmin):
    form = ClaimAdminForm
    list_display = [
        "title",
        "claimant",
        "status",
        "verdict",
        "needs_attention",
        "stated_on",
        "published_at",
    ]
    list_filter = ["status", "rating", "needs_attention", "claimant", "topics"]
    list_select_related = ["claimant", "rating"]
    search_fields = ["title", "text", "claimant__name", "verdict_summary"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["claimant", "topics"]
    readonly_fields = [
        "status",
        "published_at",
        "reviewer",
        "created_by",
        "created_at",
        "updated_at",
        "attention_reason",
        "public_link",
    ]
    inlines = [FigureInline, CorrectionInline, ClaimEventInline]
    # Inlines of apps that build on claims (sources: citations), filled by add_claim_inline.
    extra_inlines: ClassVar[list[type[InlineModelAdmin]]] = []
    actions = ["send_to_review", "publish_selected", "withdraw_selected", "acknowledge_selected"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "text",
                    "claimant",
                    "stated_on",
                    "venue",
                    "appearance_url",
                    "topics",
                ]
            },
        ),
        ("Verdict", {"fields": ["rating", "verdict_summary", "analysis"]}),
        (
            "Correction (published claims only)",
            {"fields": ["correction_what", "correction_reason"], "classes": ["collapse"]},
        ),
        (
            "Workflow",
            {
                "fields": [
                    "status",
                    "public_link",
                    "published_at",
                    "reviewer",
                    "created_by",
                    "needs_attention",
                    "attention_reason",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="Verdict", ordering="rating__value")
    def verdict(self, obj: Claim) -> str:
        return rating_badge(obj.rating)

    @admin.display(description="Public page")
    def public_link(self, obj: Claim) -> str:
        if obj.pk and obj.is_public:
            return format_html(
                '<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url()
            )
        return "Not public"

    def get_inlines(self, request: HttpRequest, obj: Claim | None):
        # The other apps' evidence sits between the figures and the claim's own record.
        figures, *record = super().get_inlines(request, obj)
        return [figures, *self.extra_inlines, *record]

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        # Attention is raised by monitoring and cleared with the acknowledge action.
        fields.append("needs_attention")
        if obj is None:
            fields.append("slug")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not obj.is_public:
            return [fs for fs in fieldsets if not fs[0] or not fs[0].startswith("Correction")]
        return fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        if obj is not None and not workflow.can_edit_claim(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool
    ) -> None:
        if change:
            workflow.save_claim(obj, request.user, correction=form.correction_note())
        else:
            workflow.create_claim(obj, request.user)

    def _run_workflow(
        self, request: HttpRequest, queryset: QuerySet, step, verb: str, **kwargs
    ) -> None:
        done, failures = 0, []
        for claim in queryset:
            try:
                step(claim, request.user, **kwargs)
                done += 1
            except workflow.WorkflowError as error:
                failures.append(f"“{claim}”: {error}")
        if done:
            self.message_user(request, f"{verb} {done} claim(s).", messages.SUCCESS)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description="Send selected drafts to review")
    def send_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.submit_for_review, "Sent to review")

    @admin.action(description="Publish selected claims (reviewers)")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.publish, "Published")

    @admin.action(description="Withdraw selected claims (reviewers)")
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if "apply" in request.POST:
            form = WithdrawForm(request.POST)
            if form.is_valid():
                self._run_workflow(
                    request,
                    queryset,
                    workflow.withdraw,
                    "Withdrew",
                    reason=form.cleaned_data["reason"],
                )
                return None
        else:
            form = WithdrawForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Withdraw claims",
            "claims": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/withdraw.html", context)

    @admin.action(description="Acknowledge: evidence reviewed, clear “needs attention”")
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.acknowledge_attention, "Acknowledged")


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["label", "claim", "value", "unit", "period", "stated_change_pct", "arithmetic"]
    list_filter = ["unit"]
    list_select_related = ["claim"]
    search_fields = ["label", "claim__title"]
    autocomplete_fields = ["claim"]

    @admin.display(description="Arithmetic check")
    def arithmetic(self, obj: Figure) -> str:
        return figure_arithmetic(obj)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["claim", "created_at", "what_changed", "created_by"]
    list_select_related = ["claim", "created_by"]
    search_fields = ["claim__title", "what_changed", "reason"]
    readonly_fields = ["claim", "created_at", "previous_rating", "new_rating", "created_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Added through the claim (workflow.correct / change_rating), which keeps status in step.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ClaimEvent)
class ClaimEventAdmin(admin.ModelAdmin):
    list_display = ["at", "claim", "kind", "from_status", "to_status", "to_rating", "actor"]
    list_filter = ["kind"]
    list_select_related = ["claim", "actor", "to_rating"]
    search_fields = ["claim__title", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def add_claim_inline(inline: type[InlineModelAdmin]) -> None:
    """Show `inline` on the claim page after the figures; for apps that build on claims."""
    if inline not in ClaimAdmin.extra_inlines:
        ClaimAdmin.extra_inlines.append(inline)
