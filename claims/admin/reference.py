"""Reference data editors maintain: claimants, topics, the rating scale and its aliases."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from claims.admin.changelists import EditorialModelAdmin
from claims.models import Claimant, Rating, RatingAlias, Topic


def rating_badge(rating: Rating | None) -> str:
    if rating is None:
        return "—"
    return format_html(
        '<span style="background:{};color:#fff;padding:1px 6px;border-radius:3px;'
        'white-space:nowrap">{}</span>',
        rating.colour,
        rating.label,
    )


@admin.register(Claimant)
class ClaimantAdmin(EditorialModelAdmin):
    list_display = ["name", "kind", "role", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "role", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(num_claims=Count("claims"))

    @admin.display(description=_("Claims"), ordering="num_claims")
    def claim_count(self, obj: Claimant) -> int:
        return obj.num_claims


@admin.register(Topic)
class TopicAdmin(EditorialModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class RatingAliasInline(admin.TabularInline):
    model = RatingAlias
    extra = 0


@admin.register(Rating)
class RatingAdmin(EditorialModelAdmin):
    list_display = ["label", "badge", "value", "bucket", "slug"]
    list_editable = ["value", "bucket"]
    list_display_links = ["label"]
    search_fields = ["label", "aliases__name"]
    prepopulated_fields = {"slug": ["label"]}
    inlines = [RatingAliasInline]

    @admin.display(description=_("Badge"))
    def badge(self, obj: Rating) -> str:
        return rating_badge(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Rating | None = None) -> bool:
        # A rating in use is kept (PROTECT); the admin simply does not offer it.
        if obj is not None and obj.claims.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(RatingAlias)
class RatingAliasAdmin(EditorialModelAdmin):
    list_display = ["name", "rating"]
    list_filter = ["rating"]
    search_fields = ["name"]
