"""Counts that describe the monitoring as a whole (read by the ops metrics endpoint).

Each function is one aggregate query, so a Prometheus scrape costs a fixed number of queries
however many sources and checks there are.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Sum
from django.utils import timezone

from sources.models import Source, SourceCheck


def checks_by_outcome() -> dict[str, int]:
    """Checks done per outcome, repeats of an unchanged outcome included."""
    rows = SourceCheck.objects.values("outcome").annotate(n=Sum("repeat_count"))
    return {row["outcome"]: row["n"] or 0 for row in rows}


def sources_by_state() -> dict[str, int]:
    """Monitored sources per state; every state is present, with 0 when no source has it."""
    counts = dict(Source.objects.values_list("state").annotate(n=Count("pk")))
    return {state: counts.get(state, 0) for state in Source.State.values}


def due_source_count(now: datetime | None = None) -> int:
    """Sources whose next check time has passed (the dispatcher's backlog)."""
    return Source.objects.due(now or timezone.now()).count()
