import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sources.models import Citation, Source, normalise_url, validate_source_url
from tests.factories import CitationFactory, ClaimFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("HTTPS://WWW.GOV.UK/government/news", "https://www.gov.uk/government/news"),
        ("https://www.gov.uk:443/a?utm_source=x&id=3#top", "https://www.gov.uk/a?id=3"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("  https://bbc.co.uk/news  ", "https://bbc.co.uk/news"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
    ],
)
def test_urls_are_normalised(raw, normalised):
    assert normalise_url(raw) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.org/",
        "javascript:alert(1)",
        "http://user:pass@example.org/",
        "http://127.0.0.1/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://localhost:8000/",
        "http://example.org\\@evil.test/",
        "https://",
        "http://exa mple.org/",
    ],
)
def test_unsafe_or_malformed_urls_are_refused_with_a_message(bad, settings):
    settings.SOURCES_FETCH_ALLOW = []  # production: no exception for local test servers
    with pytest.raises(ValidationError) as error:
        validate_source_url(bad)
    assert error.value.messages[0]


def test_source_url_is_unique_after_normalisation():
    SourceFactory(url="https://www.gov.uk/a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url="HTTPS://www.gov.uk/a#section")
    duplicate = Source(url="https://WWW.gov.uk/a?utm_medium=email")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "already exists" in str(error.value)


def test_source_host_is_derived_from_the_url():
    assert SourceFactory(url="https://Www.Gov.UK/x").host == "www.gov.uk"


def test_one_citation_per_claim_source_and_excerpt():
    citation = CitationFactory(excerpt="9,400 people")
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(
            claim=citation.claim, source=citation.source, excerpt="9,400  people"
        )
    other_claim = ClaimFactory()
    Citation.objects.create(claim=other_claim, source=citation.source, excerpt="9,400 people")


def test_blank_excerpt_is_refused():
    citation = CitationFactory.build(claim=ClaimFactory(), source=SourceFactory(), excerpt="   ")
    with pytest.raises(ValidationError) as error:
        citation.full_clean()
    assert "excerpt" in error.value.message_dict


def test_due_sources_queryset():
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    due = SourceFactory(next_check_at=now - timedelta(minutes=1))
    SourceFactory(next_check_at=now + timedelta(hours=1))
    SourceFactory(next_check_at=now - timedelta(hours=1), monitoring_enabled=False)
    assert list(Source.objects.due(now)) == [due]


def test_fetch_allow_list_admits_local_test_servers_only_when_configured(settings):
    settings.SOURCES_FETCH_ALLOW = ["127.0.0.1", "localhost"]
    validate_source_url("http://127.0.0.1:8123/page")
    validate_source_url("http://localhost:8123/page")
    with pytest.raises(ValidationError):
        validate_source_url("http://10.0.0.1/")
    settings.SOURCES_FETCH_ALLOW = []
    with pytest.raises(ValidationError):
        validate_source_url("http://127.0.0.1:8123/page")


@pytest.mark.parametrize(
    "bad",
    [
        "http://224.0.0.1/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[fec0::1]/",
    ],
)
def test_addresses_the_fetcher_blocks_are_refused_at_creation(bad, settings):
    settings.SOURCES_FETCH_ALLOW = []
    with pytest.raises(ValidationError, match="private or local"):
        validate_source_url(bad)
