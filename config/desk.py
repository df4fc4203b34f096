"""Desk sections that need both apps: registered with claims.desk from here, since claims
may not import sources (imported by config/urls.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode

from claims.desk import ROWS_PER_SECTION, DeskRow, DeskSection, User, register_section
from sources.models import Source


@register_section
def broken_sources(user: User) -> DeskSection:
    sources = Source.objects.failing().order_by("-state_changed_at", "-pk")[:ROWS_PER_SECTION]
    return DeskSection(
        "sources",
        "Sources that broke",
        [
            DeskRow(
                source.title or source.url,
                reverse("admin:sources_source_change", args=[source.pk]),
                f"{source.get_state_display()}"
                + (f" since {source.state_changed_at:%d %b %Y}" if source.state_changed_at else "")
                + f" · {source.url}",
            )
            for source in sources
        ],
        more_url=reverse("admin:sources_source_changelist")
        + "?"
        + urlencode({"state__exact": Source.State.BROKEN}),
        empty="Every monitored source answers.",
    )
