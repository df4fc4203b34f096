from django.urls import path

from claims import feeds, views
from claims.caching import cached_public_page

app_name = "claims"

urlpatterns = [
    path("", views.home, name="home"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>-<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>-<slug:slug>/embed/", views.claim_embed, name="claim_embed"),
    path(
        "claims/<int:pk>-<slug:slug>/share.png",
        views.claim_share_image,
        name="claim_share_image",
    ),
    path("claimants/<slug:slug>/", views.claimant_detail, name="claimant_detail"),
    path(
        "claimants/<slug:slug>/feed.rss",
        cached_public_page(feeds.ClaimantFeed()),
        name="claimant_rss",
    ),
    path(
        "claimants/<slug:slug>/feed.atom",
        cached_public_page(feeds.ClaimantAtom()),
        name="claimant_atom",
    ),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("topics/<slug:slug>/feed.rss", cached_public_page(feeds.TopicFeed()), name="topic_rss"),
    path("topics/<slug:slug>/feed.atom", cached_public_page(feeds.TopicAtom()), name="topic_atom"),
    # oEmbed (https://oembed.com): ?url=<a claim page>&format=json[&maxwidth=&maxheight=]
    path("oembed", views.oembed, name="oembed"),
    path("search/", views.search_page, name="search"),
    path("about/", views.about, name="about"),
    path("feeds/latest.rss", cached_public_page(feeds.LatestFactChecksFeed()), name="feed_rss"),
    path("feeds/latest.atom", cached_public_page(feeds.LatestFactChecksAtom()), name="feed_atom"),
    path("ratings.css", views.ratings_css, name="ratings_css"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links.
    path("favicon.ico", views.favicon, name="favicon"),
]
