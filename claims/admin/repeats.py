"""Repeats on the claim page: the `repeat_of` link, a "Similar claims" panel, a warning on add.

Mixed into ClaimAdmin; `similar_claims_html` is also what the intake screen shows for each
candidate sentence.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from claims import matching
from claims.models import Claim

# Above this find_similar_claims score a new claim is flagged as a likely repeat.
LIKELY_REPEAT_SCORE = 0.5


def similar_claims_html(similar: list[matching.SimilarClaim]) -> str:
    if not similar:
        return _("No similar claims.")
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li><a href="{}">{}</a> ({}, ' + str(_("score {}")) + ") — {}</li>",
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


class RepeatsAdminMixin:
    """ClaimAdmin additions: the repeat link, similar claims, and a warning on add."""

    def get_autocomplete_fields(self, request: HttpRequest):
        return [*super().get_autocomplete_fields(request), "repeat_of"]

    def get_readonly_fields(self, request: HttpRequest, obj: Claim | None = None):
        return [*super().get_readonly_fields(request, obj), "similar_claims"]

    def get_fieldsets(self, request: HttpRequest, obj: Claim | None = None):
        fieldsets = list(super().get_fieldsets(request, obj))
        fields = ["repeat_of", "similar_claims"] if obj is not None else ["repeat_of"]
        return [*fieldsets, ("Repeats", {"fields": fields})]

    def response_add(self, request: HttpRequest, obj: Claim, post_url_continue=None):
        """After a new claim is saved, warn when it looks like one already checked."""
        likely = [
            s
            for s in matching.find_similar_claims(
                obj.text,
                claimant_id=obj.claimant_id,
                exclude_id=obj.pk,
                limit=3,
                language=obj.language,
            )
            if s.score >= LIKELY_REPEAT_SCORE
        ]
        if likely:
            messages.warning(
                request,
                format_html(
                    _(
                        "This claim may repeat one already in Claimwatch: {}. "
                        "If so, link it with “Repeat of”."
                    ),
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

    @admin.display(description=_("Similar claims"))
    def similar_claims(self, obj: Claim) -> str:
        if obj is None or obj.pk is None:
            return "—"
        found = matching.find_similar_claims(
            obj.text, claimant_id=obj.claimant_id, exclude_id=obj.pk, limit=5, language=obj.language
        )
        return similar_claims_html(found)
