"""Public pages. Readers only ever see published claims."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from claims.models import Claim, Claimant, Topic


def home(request: HttpRequest) -> HttpResponse:
    claims = Claim.objects.published().with_public_relations()[:20]
    return render(request, "claims/home.html", {"claims": claims})


def claim_detail(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    claim = get_object_or_404(Claim.objects.published().with_public_relations(), pk=pk)
    return render(request, "claims/claim_detail.html", {"claim": claim})


def claimant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    claimant = get_object_or_404(Claimant, slug=slug)
    claims = Claim.objects.published().by_claimant(claimant).with_public_relations()
    return render(request, "claims/claimant_detail.html", {"claimant": claimant, "claims": claims})


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    claims = Claim.objects.published().filter(topics=topic).with_public_relations()
    return render(request, "claims/topic_detail.html", {"topic": topic, "claims": claims})
