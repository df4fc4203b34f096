"""The claim desk: ClaimAdmin with its inlines and actions, and the claim parts' own admins.

State changes go through claims.workflow, never straight to the model. Apps that build on
claims add inlines to the claim page with `add_claim_inline` (see claims/admin/__init__.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from claims import matching, workflow
from claims.admin.reference import rating_badge
from claims.admin.repeats import RepeatsAdminMixin
from claims.figures import format_number
from claims.models import Claim, ClaimEvent, Correction, Figure


class FigureValueField(forms.DecimalField):
    """A decimal shown as editors write it ("9,400", not "9400.0000"); commas are accepted."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 14})

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value)
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("\u00a0", "").replace(" ", "")
        return super().to_python(value)

    def widget_attrs(self, widget):
        # DecimalField would make it a number input with a step; the grouped text is not a number.
        return {}


class FigureForm(forms.ModelForm):
    class Meta:
        model = Figure
        fields = "__all__"
        field_classes = {
            "value": FigureValueField,
            "baseline_value": FigureValueField,
            "stated_change_pct": FigureValueField,
        }


class FigureInline(admin.StackedInline):
    """Stacked, three short rows per figure: the table of nine columns did not fit a laptop
    screen, and each input gets its own visible label."""

    model = Figure
    form = FigureForm
    extra = 0
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("label", "value", "unit"),
                    ("approximation", "period"),
                    ("stated_change_pct", "baseline_value", "baseline_period"),
                    "arithmetic",
                ]
            },
        )
    ]
    readonly_fields = ["arithmetic"]
    classes = ["figures-inline"]

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


class StatusFilter(admin.SimpleListFilter):
    """The status filter under the plain ?status= parameter, so a link such as ?status=draft
    (intake's redirect) is this filter's own choice and clicking another replaces it, instead
    of adding status__exact beside it and matching nothing."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin):
        return Claim.Status.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value in Claim.Status.values:
            return queryset.filter(status=value)
        return queryset


@dataclass(frozen=True)
class WorkflowButton:
    """One step offered on the claim page: a submit button (`step`) or a link (`url`)."""

    label: str
    step: str = ""
    url: str = ""
    reviewers_only: bool = False


# The steps the change form's buttons run after saving: (workflow function, message verb).
FORM_STEPS = {
    "submit": (workflow.submit_for_review, "Sent to review"),
    "return": (workflow.return_to_draft, "Returned to draft"),
    "publish": (workflow.publish, "Published"),
    "acknowledge": (workflow.acknowledge_attention, "Acknowledged"),
}
# Steps after which a published claim this similar is named in a warning.
REPEAT_CHECKED_STEPS = {"submit", "publish"}


def workflow_buttons(user, claim: Claim) -> list[WorkflowButton]:
    """The workflow steps `user` may take on `claim` now; reviewer-only steps only for them."""
    reviewer = workflow.can_publish(user)
    buttons: list[WorkflowButton] = []
    if claim.status == Claim.Status.DRAFT:
        buttons.append(WorkflowButton("Save and send to review", step="submit"))
    if claim.status == Claim.Status.IN_REVIEW:
        buttons.append(WorkflowButton("Save and return to draft", step="return"))
    if claim.status in (Claim.Status.DRAFT, Claim.Status.IN_REVIEW) and reviewer:
        buttons.append(WorkflowButton("Save and publish", step="publish", reviewers_only=True))
    if claim.is_public and reviewer:
        buttons.append(WorkflowButton("Correct…", url="#correction", reviewers_only=True))
        buttons.append(WorkflowButton("Update…", url="#correction", reviewers_only=True))
        buttons.append(
            WorkflowButton(
                "Withdraw…",
                url=reverse("admin:claims_claim_withdraw", args=[claim.pk]),
                reviewers_only=True,
            )
        )
    if claim.needs_attention:
        buttons.append(WorkflowButton("Save and acknowledge the evidence", step="acknowledge"))
    return buttons


def repeat_warning(claim: Claim) -> str | None:
    """The warning shown when a published claim looks like the same claim, or None."""
    likely = matching.published_repeats(claim)
    if not likely:
        return None
    return format_html(
        "This claim may repeat a published fact check: {}. If it does, use “Mark as a repeat "
        "of” under Repeats on the claim page.",
        format_html_join(
            ", ",
            '<a href="{}">{}</a> (similarity {})',
            (
                (
                    reverse("admin:claims_claim_change", args=[s.claim.pk]),
                    s.claim.title,
                    f"{s.score:.2f}",
                )
                for s in likely
            ),
        ),
    )


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
        "attention",
        "stated_on",
        "published_at",
    ]
    list_filter = [StatusFilter, "rating", "needs_attention", "claimant", "topics"]
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
    # Offered only to reviewers (workflow.can_publish); the workflow refuses editors anyway.
    reviewer_actions = ("publish_selected", "withdraw_selected")
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
            {
                "fields": ["correction_what", "correction_reason"],
                "classes": ["collapse"],
                "description": '<span id="correction"></span>',
            },
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

    @admin.display(description="Needs attention", ordering="needs_attention")
    def attention(self, obj: Claim) -> str:
        # Text, not Django's boolean icons: "no" is the normal state and must not look like
        # an error (a red cross).
        if obj.needs_attention:
            return format_html('<strong class="{}">Needs attention</strong>', "attention-yes")
        return format_html(
            '<span class="{}">—<span class="visually-hidden"> no</span></span>', "attention-no"
        )

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

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if not workflow.can_publish(request.user):
            for name in self.reviewer_actions:
                actions.pop(name, None)
        return actions

    def get_urls(self):
        withdraw = path(
            "<int:object_id>/withdraw/",
            self.admin_site.admin_view(self.withdraw_view),
            name="claims_claim_withdraw",
        )
        return [withdraw, *super().get_urls()]

    def render_change_form(
        self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None
    ):
        editable = obj is not None and self.has_change_permission(request, obj)
        context["workflow_buttons"] = workflow_buttons(request.user, obj) if editable else []
        context["repeat_candidates"] = (
            matching.published_repeats(obj, threshold=0, limit=5) if editable else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request: HttpRequest, obj: Claim):
        """The change form's workflow buttons and "Mark as a repeat of": save, then the step."""
        step = request.POST.get("_workflow", "")
        repeat_of = request.POST.get("_repeat_of", "")
        if step in FORM_STEPS:
            function, verb = FORM_STEPS[step]
            self._run_workflow(
                request,
                Claim.objects.filter(pk=obj.pk),
                function,
                verb,
                check_repeats=step in REPEAT_CHECKED_STEPS,
            )
            return HttpResponseRedirect(request.path)
        if repeat_of.isdigit():
            original = Claim.objects.filter(pk=int(repeat_of)).first()
            try:
                if original is None:
                    raise workflow.WorkflowError("That fact check no longer exists.")
                workflow.mark_as_repeat(obj, original, request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, f"Marked as a repeat of “{original}”.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def withdraw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self.get_object(request, str(object_id))
        if claim is None:
            raise Http404("No such claim.")
        if not workflow.can_publish(request.user):
            raise PermissionDenied
        form = WithdrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.withdraw(claim, request.user, form.cleaned_data["reason"])
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, "Withdrew 1 claim(s).", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Withdraw claim",
            "claims": [claim],
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/withdraw.html", context)

    def save_model(
        self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool
    ) -> None:
        if change:
            workflow.save_claim(obj, request.user, correction=form.correction_note())
        else:
            workflow.create_claim(obj, request.user)

    def _run_workflow(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        step,
        verb: str,
        *,
        check_repeats: bool = False,
        **kwargs,
    ) -> None:
        done, failures, warnings = 0, [], []
        for claim in queryset:
            try:
                step(claim, request.user, **kwargs)
                done += 1
            except workflow.WorkflowError as error:
                failures.append(f"“{claim}”: {error}")
                continue
            warning = repeat_warning(claim) if check_repeats else None
            if warning:
                warnings.append(warning)
        if done:
            self.message_user(request, f"{verb} {done} claim(s).", messages.SUCCESS)
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description="Send selected drafts to review")
    def send_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(
            request, queryset, workflow.submit_for_review, "Sent to review", check_repeats=True
        )

    @admin.action(description="Publish selected claims")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.publish, "Published", check_repeats=True)

    @admin.action(description="Withdraw selected claims")
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
