"""The claim desk: ClaimAdmin with its inlines and actions, and the claim parts' own admins.

State changes go through claims.workflow, never straight to the model. Apps that build on
claims add inlines to the claim page with `add_claim_inline` (see claims/admin/__init__.py).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from babel.numbers import NumberFormatError, parse_decimal
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from claims import caching, matching, workflow
from claims.admin.changelists import EditorialModelAdmin
from claims.admin.hygiene import TEXT_FORMFIELD_OVERRIDES
from claims.admin.reference import rating_badge
from claims.admin.repeats import RepeatsAdminMixin
from claims.figures import format_number
from claims.languages import detect_language, language_choices
from claims.models import Claim, ClaimEvent, Correction, Figure


class ClaimPartFormSet(forms.BaseInlineFormSet):
    """The figures or citations of a claim: on a published claim, a change needs the note."""

    def __init__(self, *args, change_noted: bool = False, **kwargs) -> None:
        self.change_noted = change_noted
        super().__init__(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        claim = self.instance
        if claim.pk and claim.is_public and self.has_changed() and not self.change_noted:
            raise ValidationError(
                _(
                    "This claim is published: changing its %(parts)s is a correction or an "
                    "update. Fill in “Correction or update” below."
                )
                % {"parts": self.model._meta.verbose_name_plural}
            )


class ClaimPartInlineMixin:
    """Inlines of a claim's parts: read-only where the user may not change the claim."""

    formset = ClaimPartFormSet
    formfield_overrides = TEXT_FORMFIELD_OVERRIDES

    def _may_change(self, request: HttpRequest, obj: Claim | None) -> bool:
        return obj is None or workflow.can_edit_claim(request.user, obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_change(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_change(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_change(request, obj) and super().has_delete_permission(request, obj)


class FigureValueField(forms.DecimalField):
    """A decimal shown as editors write it in their language ("9,400" in English, "9.400" in
    Spanish, not "9400.0000"); grouping separators are accepted, read the same way."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "size": 14})

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_number(value, translation.get_language() or "en")
        return value

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            # "9.400" is nine thousand four hundred to a Spanish editor, 9.4 to an English one.
            locale = translation.to_locale(translation.get_language() or "en")
            text = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
            # Unreadable text is left to DecimalField, which answers with its own error.
            with contextlib.suppress(NumberFormatError, ValueError):
                value = str(parse_decimal(text.replace(" ", ""), locale=locale))
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


class FigureInline(ClaimPartInlineMixin, admin.StackedInline):
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

    @admin.display(description=_("Arithmetic check"))
    def arithmetic(self, obj: Figure) -> str:
        return figure_arithmetic(obj)


def figure_arithmetic(figure: Figure) -> str:
    """One line for editors: implied baseline and whether the stated change holds."""
    if figure.pk is None or figure.stated_change_pct is None:
        return "—"
    parts = []
    implied = figure.implied_baseline
    if implied is not None:
        implied_text = format_number(implied.quantize(1))
        if figure.baseline_period:
            parts.append(
                _("implies about %(value)s in %(period)s")
                % {"value": implied_text, "period": figure.baseline_period}
            )
        else:
            parts.append(_("implies about %(value)s") % {"value": implied_text})
    consistent = figure.change_is_consistent
    if consistent is True:
        parts.append(
            _("consistent with %(value)s") % {"value": format_number(figure.baseline_value)}
        )
    elif consistent is False:
        parts.append(
            _("INCONSISTENT: %(before)s → %(after)s is %(change)s%%")
            % {
                "before": format_number(figure.baseline_value),
                "after": format_number(figure.value),
                "change": figure.actual_change_pct,
            }
        )
    return "; ".join(parts) or "—"


class RecordInlineMixin:
    """Records shown beside the claim, never written here: corrections and history rows are
    written by claims.workflow, so they stay consistent and append-only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CorrectionInline(RecordInlineMixin, admin.StackedInline):
    model = Correction
    fields = [
        "kind",
        "created_at",
        "what_changed",
        "reason",
        "previous_rating",
        "new_rating",
        "created_by",
    ]
    readonly_fields = fields
    verbose_name_plural = _("Corrections and updates (public log, append-only)")


class ClaimEventInline(RecordInlineMixin, admin.TabularInline):
    model = ClaimEvent
    fields = ["at", "actor", "kind", "from_status", "to_status", "from_rating", "to_rating", "note"]
    readonly_fields = fields
    verbose_name_plural = _("History (status, rating and attention changes)")


class ChangeNoteFields(forms.Form):
    """What a reviewer says about a change to a published claim: the public record."""

    change_kind = forms.ChoiceField(
        label=_("This change is"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (Correction.Kind.CORRECTION, _("a correction (rating or substance: give the reason)")),
            (Correction.Kind.UPDATE, _("an update (clarification or typo: a short public note)")),
        ],
    )
    correction_what = forms.CharField(
        label=_("What changed / update note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown publicly: in the corrections log, or as “Updated <date>: <note>”."),
    )
    correction_reason = forms.CharField(
        label=_("Correction: why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_change_note(self, cleaned: dict, *, needed: bool, rating_changed: bool) -> None:
        """Add form errors unless the note a change to a published claim needs is complete."""
        what = (cleaned.get("correction_what") or "").strip()
        reason = (cleaned.get("correction_reason") or "").strip()
        kind = self._kind(cleaned)
        if rating_changed and kind == Correction.Kind.UPDATE:
            self.add_error("change_kind", _("A change of rating is a correction."))
        if not needed and not what and not reason:
            return
        if not what:
            self.add_error(
                "correction_what",
                _("Changing the rating of a published claim needs a correction: say what changed.")
                if rating_changed
                else workflow.NOTE_NEEDED,
            )
        if kind is None:
            self.add_error("change_kind", _("Say whether this is a correction or an update."))
        elif kind == Correction.Kind.CORRECTION and not reason:
            self.add_error("correction_reason", _("Say why (a correction gives its reason)."))

    def _kind(self, cleaned: dict) -> str | None:
        if cleaned.get("change_kind"):
            return cleaned["change_kind"]
        # A reason, or a new rating, can only be a correction.
        if (cleaned.get("correction_reason") or "").strip() or "rating" in self.changed_data:
            return Correction.Kind.CORRECTION
        return None

    def change_note(self) -> workflow.ChangeNote | None:
        what = (self.cleaned_data.get("correction_what") or "").strip()
        reason = (self.cleaned_data.get("correction_reason") or "").strip()
        kind = self._kind(self.cleaned_data)
        if not what or kind is None:
            return None
        return workflow.change_note(kind, what, reason)

    @staticmethod
    def noted_in(data) -> bool:
        """Whether submitted data carries a note (the inlines' check, before the form's own)."""
        return bool((data.get("correction_what") or "").strip())


class ClaimAdminForm(ChangeNoteFields, forms.ModelForm):
    class Meta:
        model = Claim
        fields = "__all__"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields.get("language")
        if language is not None:
            # Left empty, the language is the one the claim's words are in.
            language.required = False
            language.choices = [("", "Detect from the text"), *language_choices()]
            if self.instance.pk is None:
                self.initial["language"] = ""

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or detect_language(
            self.cleaned_data.get("text") or ""
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.is_public:
            rating_changed = "rating" in self.changed_data
            if rating_changed and cleaned.get("rating") is None:
                self.add_error("rating", _("A published claim must keep a rating."))
            visible = set(self.changed_data) & set(Claim.READER_FIELDS)
            self.clean_change_note(cleaned, needed=bool(visible), rating_changed=rating_changed)
        return cleaned

    def correction_note(self) -> workflow.ChangeNote | None:
        return self.change_note()


class StatusFilter(admin.SimpleListFilter):
    """The status filter under the plain ?status= parameter, so a link such as ?status=draft
    (intake's redirect) is this filter's own choice and clicking another replaces it, instead
    of adding status__exact beside it and matching nothing."""

    title = _("status")
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


# What the editor is told after a step, by number of claims.
SENT_TO_REVIEW = ngettext_lazy(
    "Sent %(count)d claim to review.", "Sent %(count)d claims to review.", "count"
)
RETURNED_TO_DRAFT = ngettext_lazy(
    "Returned %(count)d claim to draft.", "Returned %(count)d claims to draft.", "count"
)
PUBLISHED = ngettext_lazy("Published %(count)d claim.", "Published %(count)d claims.", "count")
ACKNOWLEDGED = ngettext_lazy(
    "Acknowledged the evidence of %(count)d claim.",
    "Acknowledged the evidence of %(count)d claims.",
    "count",
)
WITHDREW = ngettext_lazy("Withdrew %(count)d claim.", "Withdrew %(count)d claims.", "count")
# The steps the change form's buttons run after saving: (workflow function, message).
FORM_STEPS = {
    "submit": (workflow.submit_for_review, SENT_TO_REVIEW),
    "return": (workflow.return_to_draft, RETURNED_TO_DRAFT),
    "publish": (workflow.publish, PUBLISHED),
    "acknowledge": (workflow.acknowledge_attention, ACKNOWLEDGED),
}
# Steps after which a published claim this similar is named in a warning.
REPEAT_CHECKED_STEPS = {"submit", "publish"}


def workflow_buttons(user, claim: Claim) -> list[WorkflowButton]:
    """The workflow steps `user` may take on `claim` now; reviewer-only steps only for them."""
    reviewer = workflow.can_publish(user)
    buttons: list[WorkflowButton] = []
    if claim.status == Claim.Status.DRAFT:
        buttons.append(WorkflowButton(_("Save and send to review"), step="submit"))
    if claim.status == Claim.Status.IN_REVIEW:
        buttons.append(WorkflowButton(_("Save and return to draft"), step="return"))
    if claim.status in (Claim.Status.DRAFT, Claim.Status.IN_REVIEW) and reviewer:
        buttons.append(WorkflowButton(_("Save and publish"), step="publish", reviewers_only=True))
    if claim.is_public and reviewer:
        buttons.append(WorkflowButton(_("Correct…"), url="#correction", reviewers_only=True))
        buttons.append(WorkflowButton(_("Update…"), url="#correction", reviewers_only=True))
        buttons.append(
            WorkflowButton(
                _("Withdraw…"),
                url=reverse("admin:claims_claim_withdraw", args=[claim.pk]),
                reviewers_only=True,
            )
        )
    if claim.needs_attention:
        buttons.append(WorkflowButton(_("Save and acknowledge the evidence"), step="acknowledge"))
    return buttons


def repeat_warning(claim: Claim) -> str | None:
    """The warning shown when a published claim looks like the same claim, or None."""
    likely = matching.published_repeats(claim)
    if not likely:
        return None
    return format_html(
        _(
            "This claim may repeat a published fact check: {}. If it does, use “Mark as a repeat "
            "of” under Repeats on the claim page."
        ),
        format_html_join(
            ", ",
            '<a href="{}">{}</a> ' + str(_("(similarity {})")),
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
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Reason (public)"))


@admin.register(Claim)
class ClaimAdmin(RepeatsAdminMixin, EditorialModelAdmin):
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
    list_filter = [StatusFilter, "rating", "needs_attention", "language", "claimant", "topics"]
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
                    "language",
                    "claimant",
                    "stated_on",
                    "venue",
                    "appearance_url",
                    "topics",
                ]
            },
        ),
        (_("Verdict"), {"fields": ["rating", "verdict_summary", "analysis"]}),
        (
            _("Correction or update (published claims only)"),
            {
                "fields": ["change_kind", "correction_what", "correction_reason"],
                "description": '<span id="correction"></span>',
            },
        ),
        (
            _("Workflow"),
            {
                "fields": [
                    "status",
                    "public_link",
                    "published_at",
                    "reviewer",
                    "created_by",
                    "attention",
                    "attention_reason",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("Verdict"), ordering="rating__value")
    def verdict(self, obj: Claim) -> str:
        return rating_badge(obj.rating)

    @admin.display(description=_("Needs attention"), ordering="needs_attention")
    def attention(self, obj: Claim) -> str:
        # Text, not Django's boolean icons: "no" is the normal state and must not look like
        # an error (a red cross).
        if obj.needs_attention:
            # Why, in one line (the latest reason monitoring gave), below the mark.
            lines = (obj.attention_reason or "").strip().splitlines()
            return format_html(
                '<strong class="{}">{}</strong><br><small>{}</small>',
                "attention-yes",
                _("Needs attention"),
                lines[-1][:160] if lines else "",
            )
        return format_html(
            '<span class="{}">—<span class="visually-hidden"> {}</span></span>',
            "attention-no",
            _("no"),
        )

    @admin.display(description=_("Public page"))
    def public_link(self, obj: Claim) -> str:
        if obj.pk and obj.is_public:
            return format_html(
                '<a href="{}">{}</a>', obj.get_absolute_url(), obj.get_absolute_url()
            )
        return _("Not public")

    def get_inlines(self, request: HttpRequest, obj: Claim | None):
        # The other apps' evidence sits between the figures and the claim's own record.
        figures, *record = super().get_inlines(request, obj)
        return [figures, *self.extra_inlines, *record]

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        # Attention is raised by monitoring and cleared with the acknowledge action; shown as
        # text, like the list column.
        fields.append("attention")
        if obj is None:
            fields.append("slug")
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None):
        fieldsets = super().get_fieldsets(request, obj)
        # The note belongs to a change of a published claim, which only its reviewers make.
        if obj is None or not obj.is_public or not workflow.can_edit_claim(request.user, obj):
            return [fs for fs in fieldsets if not any(map(_is_note_field, fs[1]["fields"]))]
        return fieldsets

    def has_change_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        if obj is not None and not workflow.can_edit_claim(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        if obj is not None and obj.published_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def get_formset_kwargs(self, request: HttpRequest, obj, inline, prefix: str) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if issubclass(inline.formset, ClaimPartFormSet) and request.method == "POST":
            kwargs["change_noted"] = ChangeNoteFields.noted_in(request.POST)
        return kwargs

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
            function, done_message = FORM_STEPS[step]
            self._run_workflow(
                request,
                Claim.objects.filter(pk=obj.pk),
                function,
                done_message,
                check_repeats=step in REPEAT_CHECKED_STEPS,
            )
            return HttpResponseRedirect(request.path)
        if repeat_of.isdigit():
            original = Claim.objects.filter(pk=int(repeat_of)).first()
            try:
                if original is None:
                    raise workflow.WorkflowError(_("That fact check no longer exists."))
                workflow.mark_as_repeat(obj, original, request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Marked as a repeat of “%(claim)s”.") % {"claim": original},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def withdraw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self.get_object(request, str(object_id))
        if claim is None:
            raise Http404(_("No such claim."))
        if not workflow.can_publish(request.user):
            raise PermissionDenied
        form = WithdrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.withdraw(claim, request.user, form.cleaned_data["reason"])
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, WITHDREW % {"count": 1}, messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:claims_claim_change", args=[claim.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Withdraw claim"),
            "claims": [claim],
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/claims/withdraw.html", context)

    def save_model(
        self, request: HttpRequest, obj: Claim, form: ClaimAdminForm, change: bool
    ) -> None:
        if not change:
            workflow.create_claim(obj, request.user)
            return
        note = form.change_note()
        if obj.is_public and note is not None:
            # One public record for the whole save: the claim's fields and its inlines'
            # changes (save_formset), written in save_related (the admin's save is atomic).
            form.published_edit = workflow.start_published_edit(obj, request.user, note)
            workflow.save_claim(obj, request.user, change=form.published_edit)
        else:
            workflow.save_claim(obj, request.user)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if not issubclass(type(formset), ClaimPartFormSet):
            return super().save_formset(request, form, formset, change)
        edit = getattr(form, "published_edit", None)
        parts = formset.save(commit=False)
        for part in formset.deleted_objects:
            workflow.delete_part(part, request.user, change=edit)
        for part in parts:
            workflow.save_part(part, request.user, change=edit)
        formset.save_m2m()
        return None

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        edit = getattr(form, "published_edit", None)
        if edit is not None:
            workflow.finish_published_edit(edit, even_if_unchanged=True)

    def _run_workflow(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        step,
        done_message,
        *,
        check_repeats: bool = False,
        **kwargs,
    ) -> None:
        done, failures, warnings = 0, [], []
        # Many claims, one invalidation of each page version, sent once they are all done.
        with caching.deferred_invalidation():
            for claim in queryset:
                try:
                    step(claim, request.user, **kwargs)
                    done += 1
                except workflow.WorkflowError as error:
                    failures.append(_("“%(claim)s”: %(error)s") % {"claim": claim, "error": error})
                    continue
                warning = repeat_warning(claim) if check_repeats else None
                if warning:
                    warnings.append(warning)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)
        for failure in failures:
            self.message_user(request, failure, messages.ERROR)

    @admin.action(description=_("Send selected drafts to review"))
    def send_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(
            request, queryset, workflow.submit_for_review, SENT_TO_REVIEW, check_repeats=True
        )

    @admin.action(description=_("Publish selected claims"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.publish, PUBLISHED, check_repeats=True)

    @admin.action(description=_("Withdraw selected claims"))
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if "apply" in request.POST:
            form = WithdrawForm(request.POST)
            if form.is_valid():
                self._run_workflow(
                    request,
                    queryset,
                    workflow.withdraw,
                    WITHDREW,
                    reason=form.cleaned_data["reason"],
                )
                return None
        else:
            form = WithdrawForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Withdraw claims"),
            "claims": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/claims/withdraw.html", context)

    @admin.action(description=_("Acknowledge: evidence reviewed, clear “needs attention”"))
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._run_workflow(request, queryset, workflow.acknowledge_attention, ACKNOWLEDGED)


class ClaimPartAdminForm(ChangeNoteFields, forms.ModelForm):
    """A figure or citation on its own page: on a published claim, the change needs the note."""

    def clean(self) -> dict:
        cleaned = super().clean()
        claims = {cleaned.get("claim"), getattr(self.instance, "claim", None)}
        if self.instance.pk is None:
            claims.discard(getattr(self.instance, "claim", None))
        for claim in filter(None, claims):
            try:
                workflow.require_can_change_published_part(self.request_user, claim)
            except workflow.NotAllowed as refusal:
                raise ValidationError(str(refusal)) from None
            if claim.is_public and self.has_changed():
                self.clean_change_note(cleaned, needed=True, rating_changed=False)
        return cleaned


class ClaimPartAdmin(EditorialModelAdmin):
    """Figures (and citations, in sources) on their own pages, under the published-claim rule.

    Editors see the parts of published claims read-only; reviewers' changes there ask for a
    correction or update note and go through claims.workflow. Deleting the part of a published
    claim is done from the claim's page, where the note is asked.
    """

    form = ClaimPartAdminForm
    note_fieldset = (
        _("Correction or update (published claims only)"),
        {"fields": ["change_kind", "correction_what", "correction_reason"]},
    )

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        base = [
            (name, {**opts, "fields": [f for f in opts["fields"] if not _is_note_field(f)]})
            for name, opts in fieldsets
        ]
        if obj is not None and not self.has_change_permission(request, obj):
            return base  # read-only: there is no change to note
        return [*base, self.note_fieldset]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and not workflow.can_edit_claim(request.user, obj.claim):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.claim.is_public:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        workflow.save_part(obj, request.user, change=form.change_note())

    def delete_model(self, request: HttpRequest, obj) -> None:
        workflow.delete_part(obj, request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for part in queryset.select_related("claim"):
            workflow.delete_part(part, request.user)


def _is_note_field(name) -> bool:
    return name in {"change_kind", "correction_what", "correction_reason"}


@admin.register(Figure)
class FigureAdmin(ClaimPartAdmin):
    list_display = ["label", "claim", "value", "unit", "period", "stated_change_pct", "arithmetic"]
    list_filter = ["unit"]
    list_select_related = ["claim"]
    search_fields = ["label", "claim__title"]
    autocomplete_fields = ["claim"]

    @admin.display(description=_("Arithmetic check"))
    def arithmetic(self, obj: Figure) -> str:
        return figure_arithmetic(obj)


@admin.register(Correction)
class CorrectionAdmin(EditorialModelAdmin):
    list_display = ["claim", "kind", "created_at", "what_changed", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["claim", "created_by"]
    search_fields = ["claim__title", "what_changed", "reason"]
    readonly_fields = [
        "claim",
        "kind",
        "created_at",
        "what_changed",
        "reason",
        "previous_rating",
        "new_rating",
        "created_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Added through the claim (workflow.record_change), which keeps status in step.
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The public log is append-only: a mistake in an entry is fixed by a new entry.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ClaimEvent)
class ClaimEventAdmin(EditorialModelAdmin):
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
