"""config/urls.py: public pages in each language at their own address, the language switcher,
and the addresses that stay the same whatever the language (API, admin, feeds, sitemap)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


def test_english_addresses_are_unchanged_and_spanish_ones_are_prefixed():
    claim = publish_fact_check(title="Addresses")
    english = claim.get_absolute_url()
    with translation.override("es"):
        spanish = claim.get_absolute_url()
        feed = reverse("claims:feed_rss")
    assert english.startswith("/claims/")
    assert spanish == "/es" + english
    assert (reverse("claims:feed_rss"), feed) == ("/feeds/latest.rss", "/es/feeds/latest.rss")


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/sitemap.xml", "/robots.txt", "/healthz"])
def test_addresses_outside_the_public_pages_have_no_spanish_twin(client, path):
    assert client.get(path).status_code == 200
    assert client.get("/es" + path).status_code == 404


def test_no_english_prefix_duplicates_the_default_language(client):
    assert client.get("/en/claims/").status_code == 404


def test_switching_language_sends_the_reader_to_the_same_page_in_that_language(client):
    claim = publish_fact_check(title="Switch")
    path = claim.get_absolute_url()
    to_spanish = client.post("/i18n/setlang/", {"language": "es", "next": path + "?a=1"})
    assert to_spanish.status_code == 302
    assert to_spanish["Location"] == "/es" + path + "?a=1"
    assert to_spanish.cookies["django_language"].value == "es"
    back = client.post("/i18n/setlang/", {"language": "en", "next": "/es" + path})
    assert back["Location"] == path
    assert back.cookies["django_language"].value == "en"


def test_the_switcher_refuses_to_send_the_reader_to_another_site(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] == "/es/"  # the home page, in the language chosen


def test_an_unknown_language_changes_nothing(client):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/claims/"})
    assert response["Location"] == "/claims/"
    assert "django_language" not in response.cookies
