"""The claims half of the "Intake from article" screen: its form, its rows and its page.

The screen's view is `sources.admin.claim_intake_view` (routed in config/urls.py at
admin/claims/claim/intake/): it fetches the article and cites it, which is sources' work and
claims may not import sources. What the screen shows of claims (ranked candidates with their
figures, the arithmetic check, similar claims already in Claimwatch) is built here.
"""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from claims import matching
from claims.admin.repeats import similar_claims_html
from claims.checkworthiness import default_model
from claims.figures import check_figure, format_quantity
from claims.intake import Candidate
from claims.models import Claim, Claimant

MAX_ARTICLE_CHARS = 200_000


class IntakeForm(forms.Form):
    text = forms.CharField(
        label=_("Article text"),
        required=False,
        max_length=MAX_ARTICLE_CHARS,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 100}),
        help_text=_("Paste the article. Leave empty to fetch it from the source URL."),
    )
    source_url = forms.URLField(
        label=_("Source URL"),
        required=False,
        max_length=2000,
        assume_scheme="https",
        help_text=_("Where the article was published: kept drafts cite it as their origin."),
    )
    claimant = forms.ModelChoiceField(
        queryset=Claimant.objects.all(),
        label=_("Claimant"),
        required=False,
        help_text=_("Claimant for every kept draft; empty = the claimant each sentence names."),
    )

    threshold = forms.FloatField(
        label="Check-worthiness threshold",
        required=False,
        min_value=0.0,
        max_value=1.0,
        widget=forms.NumberInput(attrs={"step": "0.05"}),
        help_text="Sentences scoring below it are not listed (0 lists every sentence). "
        "Empty: the model's own threshold, chosen by cross-validation.",
    )

    # The date the fetched article declared, kept when its text is shown for ticking (the
    # second request sends the text, not the URL's page): the drafts' "stated on".
    published_on = forms.DateField(required=False, widget=forms.HiddenInput)

    def clean_text(self) -> str:
        # Browsers send a textarea's line breaks as CRLF: the candidates' offsets (the tick
        # boxes' values) were counted on the text as shown, with LF only.
        return self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")

    def threshold_used(self) -> float:
        """The threshold asked for, else the model's."""
        value = getattr(self, "cleaned_data", {}).get("threshold")
        return default_threshold() if value is None else value

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("source_url"):
            raise ValidationError(_("Paste the article text or give its URL."))
        return cleaned


def figure_summary(candidate: Candidate) -> list[str]:
    """One line per figure of the candidate: as written, as read, and its arithmetic check."""
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
                line += " " + str(_("vs %(period)s") % {"period": figure.baseline_period})
            if verdict.summary:
                line += f": {verdict.summary}"
        lines.append(line)
    return lines


def default_threshold() -> float:
    """The model's threshold, shown as the form's starting value."""
    return default_model().threshold


def candidate_rows(candidates: list[Candidate], ticked: Collection[str]) -> list[dict]:
    """The table of check-worthy candidates (and any ticked one): figures, similar claims,
    claimant, tick box.

    Every candidate is compared, with figures or without: a word-for-word copy of a claim
    already checked must show up whatever it contains."""
    claimant_names = dict(Claimant.objects.values_list("pk", "name"))
    return [
        {
            "candidate": c,
            "figures": figure_summary(c),
            "similar": similar_claims_html(matching.find_similar_claims(c.sentence, limit=3)),
            "checked": str(c.start) in ticked,
            "claimant": claimant_names.get(c.claimant_id, ""),
        }
        for c in candidates
        if c.check_worthy or str(c.start) in ticked
    ]


def intake_page(
    request: HttpRequest, *, form: IntakeForm, candidates: list[Candidate], article_text: str
) -> TemplateResponse:
    """The intake screen, with the candidates the editor ticked still ticked."""
    rows = candidate_rows(candidates, ticked=request.POST.getlist("keep"))
    context = {
        **admin.site.each_context(request),
        "title": _("Intake from article"),
        "opts": Claim._meta,
        "form": form,
        "rows": rows,
        "below_threshold": len(candidates) - len(rows),
        "threshold": form.threshold_used(),
        "article_text": article_text,
    }
    return TemplateResponse(request, "admin/claims/claim/intake.html", context)
