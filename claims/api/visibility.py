"""What a client may name in a filter: the choices of every id filter are the rows the client
may see, so a private id fails exactly like a missing one (400, "Select a valid choice")
instead of answering an empty list that tells the id exists.

django-filter calls these with the request (None while the schema is generated)."""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import Claim, Claimant, Topic


def _user(request):
    return getattr(request, "user", None)


def visible_claims(request) -> QuerySet[Claim]:
    return Claim.objects.visible_to(_user(request))


def visible_claimants(request) -> QuerySet[Claimant]:
    return Claimant.objects.visible_to(_user(request))


def visible_topics(request) -> QuerySet[Topic]:
    return Topic.objects.visible_to(_user(request))
