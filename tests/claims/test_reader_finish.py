"""What readers meet around the fact checks: error pages, favicon, print masthead, search."""

import pytest
from django.template import loader
from django.test import override_settings

from claims import search
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/claims/999999-nothing/", "/claimants/nobody/"])
def test_404_is_the_branded_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert "We could not find that page" in page and 'class="site-header"' in page


def test_403_is_the_branded_page(client, rf):
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/x"), exception=None)
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()


def test_410_and_500_templates_render_without_a_request_or_context_processors():
    for name, words in [("410.html", "withdrawn"), ("500.html", "Something went wrong")]:
        html = loader.get_template(name).render({})
        assert words in html and 'rel="icon"' in html


def test_500_handler_renders_without_the_database(rf, django_assert_num_queries):
    from django.views.defaults import server_error

    with django_assert_num_queries(0):
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_view_error_answers_the_branded_500(client, monkeypatch):
    from claims import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "listing", broken)
    client.raise_request_exception = False
    response = client.get("/claims/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_every_page_links_a_favicon_and_favicon_ico_redirects_to_it(client):
    page = client.get("/about/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"


def test_print_masthead_names_the_site_and_the_canonical_address(client, settings):
    claim = publish_fact_check(citations=0)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert f"{settings.SITE_NAME} · {settings.SITE_URL}{claim.get_absolute_url()}" in page
    assert 'class="print-only print-masthead"' in page


@pytest.mark.parametrize("query", ["9400", "9,400", "19 per cent", "19%", "19 percent"])
def test_search_matches_figures_however_they_are_spelled(client, query):
    claim = publish_fact_check(
        citations=0, title="Returns up", text="We returned 9,400 people, up 19% on 2023."
    )
    other = publish_fact_check(citations=0, title="Funding", text="£75 million for the gangs unit.")
    found = list(search.search_claims(query))
    assert claim in found and other not in found
    assert claim.title in client.get("/search/", {"q": query}).content.decode()


@pytest.mark.parametrize("query", ["9400", "19 per cent"])
def test_api_search_matches_figures_however_they_are_spelled(client, query):
    claim = publish_fact_check(
        citations=0, title="Returns up", text="We returned 9,400 people, up 19% on 2023."
    )
    response = client.get("/api/v1/claims/", {"search": query})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [claim.pk]
