"""sitemap.xml lists published fact checks (and public claimants and topics) only."""

import xml.etree.ElementTree as ET

import pytest

from claims import workflow
from tests.factories import ClaimantFactory, ClaimFactory, TopicFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{NS}loc")]


def test_sitemap_lists_only_published_claims_on_the_canonical_domain(anon, reviewer, settings):
    published = publish_fact_check(title="In the sitemap")
    withdrawn = publish_fact_check(title="Withdrawn later")
    workflow.withdraw(withdrawn, reviewer, "Wrong data.")
    draft = ClaimFactory(title="Draft", claimant=ClaimantFactory(name="Hidden Claimant"))
    draft.topics.add(TopicFactory(name="Hidden topic"))
    locs = locations(anon)
    assert settings.SITE_URL + published.get_absolute_url() in locs
    assert settings.SITE_URL + withdrawn.get_absolute_url() not in locs
    assert settings.SITE_URL + draft.get_absolute_url() not in locs
    assert settings.SITE_URL + draft.claimant.get_absolute_url() not in locs
    assert not any("hidden-topic" in loc for loc in locs)
    assert settings.SITE_URL + published.claimant.get_absolute_url() in locs
    assert settings.SITE_URL + "/about/" in locs
    assert len(locs) == len(set(locs))


def test_sitemap_is_valid_xml_with_control_characters_stored_in_titles(anon):
    claim = publish_fact_check(title="Sitemap escapes")
    # Raw, as rows from before the clean-up: the sitemap holds addresses, never the text.
    type(claim).objects.filter(pk=claim.pk).update(title="Sitemap\x1b escapes", text="a\x0bb")
    claim.claimant.__class__.objects.filter(pk=claim.claimant_id).update(name="Home\x1b Office")
    assert any(claim.slug in location for location in locations(anon))


def test_sitemap_lists_each_page_in_every_language_with_its_alternates(anon, settings):
    published = publish_fact_check(title="In both languages")
    response = anon.get("/sitemap.xml")
    root = ET.fromstring(response.content)
    english = settings.SITE_URL + published.get_absolute_url()
    spanish = settings.SITE_URL + "/es" + published.get_absolute_url()
    entry = next(url for url in root.iter(f"{NS}url") if url.find(f"{NS}loc").text == spanish)
    alternates = {
        link.get("hreflang"): link.get("href")
        for link in entry.iter("{http://www.w3.org/1999/xhtml}link")
    }
    assert alternates == {"en": english, "es": spanish, "x-default": english}
