"""Desk sections that need both apps: registered with claims.desk from here, since claims
may not import sources (imported by config/urls.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from claims.desk import ROWS_PER_SECTION, DeskRow, DeskSection, User, register_section
from sources.models import Source


@register_section
def broken_sources(user: User) -> DeskSection:
    sources = Source.objects.failing().order_by("-state_changed_at", "-pk")[:ROWS_PER_SECTION]
    return DeskSection(
        "sources",
        _("Sources that broke"),
        [
            DeskRow(
                source.title or source.url,
                reverse("admin:sources_source_change", args=[source.pk]),
                f"{source.get_state_display()}"
                + (
                    " "
                    + _("since %(when)s")
                    % {"when": date_format(source.state_changed_at, "j M Y", use_l10n=True)}
                    if source.state_changed_at
                    else ""
                )
                + f" · {source.url}",
            )
            for source in sources
        ],
        more_url=reverse("admin:sources_source_changelist")
        + "?"
        + urlencode({"state__exact": Source.State.BROKEN}),
        empty=_("Every monitored source answers."),
    )
