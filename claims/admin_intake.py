"""Admin additions for intake and repeats: the "Intake from article" screen, similar claims.

Mixed into ClaimAdmin (claims/admin.py) so that file keeps its shape: this mixin adds the
intake URL, the `repeat_of` field (autocomplete) and a read-only "Similar claims" panel.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from claims import intake, matching, workflow
from claims.figures import check_figure, format_quantity
from claims.models import Claim, Claimant

MAX_ARTICLE_CHARS = 200_000
# Above this find_similar_claims score a new claim is flagged as a likely repeat.
LIKELY_REPEAT_SCORE = 0.5
SIMILAR_FOR_TOP = 10  # similar-claim look-ups on the intake screen: the best candidates only


class IntakeForm(forms.Form):
    text = forms.CharField(
        label="Article text",
        required=False,
        max_length=MAX_ARTICLE_CHARS,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text="Paste the article. Leave empty to fetch it from the source URL.",
    )
    source_url = forms.URLField(
        label="Source URL",
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text="Where the article was published: kept drafts cite it as their origin.",
    )
    claimant = forms.ModelChoiceField(
        queryset=Claimant.objects.all(),
        required=False,
        help_text="Claimant for every kept draft; empty = the claimant each sentence names.",
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("source_url"):
            raise ValidationError("Paste the article text or give its URL.")
        return cleaned


def _figure_summary(candidate: intake.Candidate) -> list[str]:
    lines = []
    for figure in candidate.figures:
        line = f"{figure.text} → {format_quantity(figure.value, figure.unit)}"
        if figure.approximation != "exact":
            line += f" ({figure.approximation.replace('_', ' ')})"
        if figure.period:
            line += f" ({figure.period})"
        if figure.stated_change_pct is not None and not figure.is_change:
            verdict = check_figure(figure)
            line += f", {figure.stated_change_pct:+}%"
            if figure.baseline_period:
                line += f" vs {figure.baseline_period}"
            if verdict.summary:
                line += f": {verdict.summary}"
        lines.append(line)
    return lines


class IntakeAdminMixin:
    """ClaimAdmin additions: intake screen, repeat link and similar claims."""

    def get_urls(self):
        custom = [
            path(
                "intake/",
                self.admin_site.admin_view(self.intake_view),
                name="claims_claim_intake",
            )
        ]
        return custom + super().get_urls()

    def get_autocomplete_fields(self, request: HttpRequest):
        return [*super().get_autocomplete_fields(request), "repeat_of"]

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None):
        return [*super().get_readonly_fields(request, obj), "similar_claims"]

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = ["repeat_of", "similar_claims"] if obj is not None else ["repeat_of"]
        return [*fieldsets, ("Repeats", {"fields": fields})]

    @classmethod
    def similar_claims_html(cls, similar: list[matching.SimilarClaim]) -> str:
        if not similar:
            return "No similar claims."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({}, score {}) — {}</li>',
                (
                    (
                        reverse("admin:claims_claim_change", args=[s.claim.pk]),
                        s.claim.title,
                        s.claim.get_status_display(),
                        f"{s.score:.2f}",
                        "; ".join(s.reasons),
                    )
                    for s in similar
                ),
            ),
        )

    def response_add(self, request: HttpRequest, obj: Claim, post_url_continue=None):
        """After a new claim is saved, warn when it looks like one already checked."""
        likely = [
            s
            for s in matching.find_similar_claims(
                obj.text, claimant_id=obj.claimant_id, exclude_id=obj.pk, limit=3
            )
            if s.score >= LIKELY_REPEAT_SCORE
        ]
        if likely:
            messages.warning(
                request,
                format_html(
                    "This claim may repeat one already in Claimwatch: {}. "
                    "If so, link it with “Repeat of”.",
                    format_html_join(
                        ", ",
                        '<a href="{}">{}</a>',
                        (
                            (reverse("admin:claims_claim_change", args=[s.claim.pk]), s.claim.title)
                            for s in likely
                        ),
                    ),
                ),
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="Similar claims")
    def similar_claims(self, obj: Claim) -> str:
        if obj is None or obj.pk is None:
            return "—"
        found = matching.find_similar_claims(
            obj.text, claimant_id=obj.claimant_id, exclude_id=obj.pk, limit=5
        )
        return self.similar_claims_html(found)

    def intake_view(self, request: HttpRequest) -> HttpResponse:
        """Paste an article, tick the candidate sentences to keep, get draft claims."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IntakeForm(request.POST or None)
        candidates: list[intake.Candidate] = []
        article_text = ""
        if request.method == "POST" and form.is_valid():
            try:
                article_text = self._article_text(form.cleaned_data)
            except intake.ArticleUnavailable as error:
                form.add_error("source_url", str(error))
            else:
                if not (form.cleaned_data.get("text") or "").strip():
                    # Show the fetched text, and create drafts from exactly what was shown.
                    data = request.POST.copy()
                    data["text"] = article_text
                    form = IntakeForm(data)
                    form.is_valid()
                candidates = intake.extract_candidates(article_text)
                if "create" in request.POST:
                    response = self._create_drafts(request, form, candidates, article_text)
                    if response is not None:
                        return response
        rows = [
            {
                "candidate": c,
                "figures": _figure_summary(c),
                "similar": (
                    self.similar_claims_html(matching.find_similar_claims(c.sentence, limit=3))
                    if n < SIMILAR_FOR_TOP and c.figures
                    else ""
                ),
                "checked": str(c.start) in request.POST.getlist("keep"),
            }
            for n, c in enumerate(candidates)
        ]
        claimant_names = dict(Claimant.objects.values_list("pk", "name"))
        for row in rows:
            row["claimant"] = claimant_names.get(row["candidate"].claimant_id, "")
        context = {
            **self.admin_site.each_context(request),
            "title": "Intake from article",
            "opts": self.model._meta,
            "form": form,
            "rows": rows,
            "article_text": article_text,
        }
        return TemplateResponse(request, "admin/claims/claim/intake.html", context)

    def _article_text(self, cleaned: dict) -> str:
        text = (cleaned.get("text") or "").strip()
        if text:
            return text
        return intake.fetch_article_text(cleaned["source_url"])

    def _create_drafts(
        self,
        request: HttpRequest,
        form: IntakeForm,
        candidates: list[intake.Candidate],
        article_text: str,
    ) -> HttpResponse | None:
        wanted = set(request.POST.getlist("keep"))
        kept = [c for c in candidates if str(c.start) in wanted]
        if not kept:
            messages.error(request, "Tick at least one candidate to keep.")
            return None
        try:
            created = intake.create_draft_claims(
                kept,
                request.user,
                claimant=form.cleaned_data.get("claimant"),
                source_url=form.cleaned_data.get("source_url") or "",
                article_text=article_text,
            )
        except (workflow.WorkflowError, ValidationError) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, f"No drafts were created: {text}")
            return None
        messages.success(
            request,
            format_html(
                "Created {} draft claim(s): {}",
                len(created),
                format_html_join(
                    ", ",
                    '<a href="{}">{}</a>',
                    ((reverse("admin:claims_claim_change", args=[c.pk]), c.title) for c in created),
                ),
            ),
        )
        return HttpResponseRedirect(reverse("admin:claims_claim_changelist") + "?status=draft")
