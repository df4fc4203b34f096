"""RSS and Atom feeds: valid XML, published claims only, per claimant and per topic."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import ClaimantFactory, ClaimFactory, TopicFactory
from tests.support.builders import publish_fact_check

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def rss_titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    return [item.findtext("title") for item in root.iter("item")]


def atom_titles(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def test_site_feeds_list_published_fact_checks_only(anon, settings):
    claim = publish_fact_check(title="Published in feed")
    ClaimFactory(title="Draft never in feed", claimant=claim.claimant)
    assert rss_titles(anon, "/feeds/latest.rss") == ["Mostly accurate: Published in feed"]
    assert atom_titles(anon, "/feeds/latest.atom") == ["Mostly accurate: Published in feed"]
    rss = anon.get("/feeds/latest.rss").content.decode()
    assert f"<link>{settings.SITE_URL}{claim.get_absolute_url()}</link>" in rss


def test_claimant_and_topic_feeds_are_scoped(anon):
    mine = publish_fact_check(title="Mine", claimant=ClaimantFactory(name="Feed Person"))
    publish_fact_check(title="Theirs")
    topic = TopicFactory(name="Feeds topic")
    mine.topics.add(topic)
    slug = mine.claimant.slug
    assert rss_titles(anon, f"/claimants/{slug}/feed.rss") == ["Mostly accurate: Mine"]
    assert atom_titles(anon, f"/claimants/{slug}/feed.atom") == ["Mostly accurate: Mine"]
    assert rss_titles(anon, f"/topics/{topic.slug}/feed.rss") == ["Mostly accurate: Mine"]
    assert atom_titles(anon, f"/topics/{topic.slug}/feed.atom") == ["Mostly accurate: Mine"]


def test_claimant_feed_of_someone_with_only_drafts_is_not_found(anon):
    claimant = ClaimantFactory(name="Draft only")
    ClaimFactory(claimant=claimant)
    assert anon.get(f"/claimants/{claimant.slug}/feed.rss").status_code == 404


def test_hostile_text_stays_well_formed_xml(anon):
    publish_fact_check(
        title='Feed <script>alert("x")</script> & </title>',
        verdict_summary="]]></description><evil/>",
        claimant=ClaimantFactory(name="A & B <b>"),
    )
    for url in ("/feeds/latest.rss", "/feeds/latest.atom"):
        root = ET.fromstring(anon.get(url).content)
        assert root.find(".//evil") is None
    assert rss_titles(anon, "/feeds/latest.rss") == [
        'Mostly accurate: Feed <script>alert("x")</script> & </title>'
    ]


def test_feeds_survive_control_characters_stored_before_the_clean_up(anon):
    claimant = ClaimantFactory(name="Escape Person")
    claim = publish_fact_check(title="Escapes", claimant=claimant)
    topic = claim.topics.get()
    # Written with raw SQL, behind the models and the edges, as rows from before the clean-up.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim SET title = %s, text = %s, verdict_summary = %s WHERE id = %s",
            ["Esc\x1bapes", "Said\x1b \x0bthis\x7f", "Verdict\x08", claim.pk],
        )
        cursor.execute(
            "UPDATE claims_claimant SET name = %s WHERE id = %s", ["Escape\x1b Person", claimant.pk]
        )
    for url in (
        "/feeds/latest.rss",
        f"/claimants/{claimant.slug}/feed.rss",
        f"/topics/{topic.slug}/feed.rss",
    ):
        assert rss_titles(anon, url) == ["Mostly accurate: Escapes"]
    for url in (
        "/feeds/latest.atom",
        f"/claimants/{claimant.slug}/feed.atom",
        f"/topics/{topic.slug}/feed.atom",
    ):
        assert atom_titles(anon, url) == ["Mostly accurate: Escapes"]
    rss = anon.get("/feeds/latest.rss").content.decode()
    assert "Escape Person said" in rss and "\x1b" not in rss and "\x08" not in rss


def test_the_spanish_feed_speaks_spanish_at_its_own_address(client):
    publish_fact_check(title="Feed item")
    english = client.get("/feeds/latest.rss").content.decode()
    spanish = client.get("/es/feeds/latest.rss").content.decode()
    assert "<language>en</language>" in english and "latest fact checks" in english
    assert "<language>es</language>" in spanish and "últimas verificaciones" in spanish
    assert "/es/claims/" in spanish and "/es/claims/" not in english
