"""Share pictures (claims.share_images): a 1200x630 PNG per published claim, drawn with the
shipped fonts, stored with the fingerprint of what it shows, redrawn after publication and
each change (claims.tasks.render_share_image, enqueued by claims.workflow after commit)."""

import hashlib
import io
from pathlib import Path

import lxml.html
import pytest
from django.conf import settings
from django.db import connection, transaction
from PIL import Image

from claims import selectors, share_images, workflow
from claims.models import Claim, Rating, ShareImage
from claims.share_images import drawing
from config.celery import app
from tests.factories import (
    ClaimantFactory,
    ClaimFactory,
    PublishedClaimFactory,
    ReviewerFactory,
    rating,
)
from tests.support.services import start_worker_process, stop_process, wait_for

pytestmark = pytest.mark.django_db

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_path(claim: Claim, **query) -> str:
    path = f"{claim.get_absolute_url()}share.png"
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def decoded(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    Image.open(io.BytesIO(png)).verify()  # a complete, uncorrupted PNG
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image.convert("RGB")


def digest(png: bytes) -> str:
    return hashlib.sha256(png).hexdigest()


def correct_rating(claim: Claim, reviewer, slug: str) -> None:
    claim.rating = Rating.objects.get(slug=slug)
    workflow.save_claim(
        claim,
        reviewer,
        correction=workflow.CorrectionNote("Rating changed.", "New statistics were published."),
    )


# --- The picture ------------------------------------------------------------------------------


def test_share_image_is_a_valid_1200_by_630_png(anon, fact_check):
    response = anon.get(image_path(fact_check))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert decoded(response.content).size == (1200, 630)


def test_share_image_shows_the_rating_colour(anon, fact_check):
    image = decoded(anon.get(image_path(fact_check)).content)
    colour = share_images.share_card(fact_check).rating_colour
    expected = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    assert image.getpixel((600, 5)) == expected  # the band along the top
    badge = image.crop((0, 480, 1200, 570)).get_flattened_data()
    assert sum(1 for pixel in badge if pixel == expected) > 5000  # the verdict badge


def test_share_image_changes_when_the_verdict_changes(anon, reviewer, fact_check):
    before = anon.get(image_path(fact_check)).content

    correct_rating(fact_check, reviewer, "inaccurate")

    after = anon.get(image_path(fact_check)).content
    assert digest(after) != digest(before)
    assert decoded(after).size == (1200, 630)


def test_share_image_is_the_same_picture_for_the_same_claim(fact_check):
    card = share_images.share_card(fact_check)

    assert drawing.draw_share_image(card) == drawing.draw_share_image(card)


def test_share_image_changes_when_the_rating_colour_is_changed(anon, fact_check):
    before = anon.get(image_path(fact_check)).content
    scale_step = fact_check.rating
    scale_step.colour = "#123456"
    scale_step.save()

    after = anon.get(image_path(fact_check)).content

    assert digest(after) != digest(before)
    assert decoded(after).getpixel((600, 5)) == (0x12, 0x34, 0x56)
    stored = ShareImage.objects.get(claim=fact_check)  # the stale picture was replaced
    assert bytes(stored.png) == after


@pytest.mark.parametrize(
    "text",
    [
        "word " * 2000,  # far too long: wrapped, then cut with an ellipsis
        "x" * 3000,  # one endless word: broken across lines
        "Line one\nline two\x00\x07 with\tcontrol characters\u200b",
        "Правительство вернуло 9 400 человек · Η κυβέρνηση επέστρεψε 9.400 άτομα",
        "",
    ],
)
def test_share_image_draws_any_claim_text_within_the_frame(text):
    card = drawing.ShareCard(
        site_name="Claimwatch " * 10,
        kicker="Fact check",
        claim_text=text,
        attribution="A claimant with a very long name " * 5,
        verdict_caption="Our verdict",
        rating_label="A rating label that goes on and on for sixty characters wide",
        rating_colour="#cf222e",
        corrected_label="Corrected",
    )

    assert decoded(drawing.draw_share_image(card)).size == (1200, 630)


def test_long_claim_is_wrapped_within_the_width_and_cut_with_an_ellipsis():
    face, lines = drawing.claim_lines("We returned 9,400 people this year. " * 40, 1072)

    assert 1 < len(lines) <= max(n for _, n in drawing.CLAIM_SIZES)
    assert all(face.getlength(line) <= 1072 for line in lines)
    assert lines[-1].endswith("…”") and lines[0].startswith("“")


def test_share_image_is_drawn_with_the_fonts_shipped_in_the_repository():
    fonts = Path(drawing.__file__).parent / "fonts"

    assert drawing.REGULAR.parent == drawing.BOLD.parent == fonts
    assert drawing.REGULAR.is_file() and drawing.BOLD.is_file()
    assert "Bitstream Vera" in (fonts / "LICENSE").read_text(encoding="utf-8")


# --- Serving ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Claim.Status.DRAFT, Claim.Status.IN_REVIEW, Claim.Status.WITHDRAWN]
)
def test_share_image_of_an_unpublished_claim_is_not_found(anon, status):
    claim = PublishedClaimFactory()
    Claim.objects.filter(pk=claim.pk).update(status=status)

    assert anon.get(image_path(claim)).status_code == 404
    assert anon.get(f"/claims/{claim.pk + 1000}-{claim.slug}/share.png").status_code == 404
    assert not ShareImage.objects.exists()


def test_share_image_is_drawn_on_demand_and_stored(anon, fact_check):
    assert not ShareImage.objects.exists()

    png = anon.get(image_path(fact_check)).content

    stored = ShareImage.objects.get(claim=fact_check)
    assert bytes(stored.png) == png
    assert stored.fingerprint == share_images.share_image_fingerprint(fact_check)


def test_share_image_answers_a_conditional_request_with_304(anon, fact_check):
    first = anon.get(image_path(fact_check))

    again = anon.get(image_path(fact_check), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]


def test_share_image_at_its_current_version_may_be_kept_for_good(anon, fact_check):
    fingerprint = share_images.share_image_fingerprint(fact_check)

    current = anon.get(image_path(fact_check, v=fingerprint[:16]))
    stable = anon.get(image_path(fact_check))
    stale = anon.get(image_path(fact_check, v="0" * 16))

    assert "immutable" in current["Cache-Control"]
    assert "immutable" not in stable["Cache-Control"] and "max-age=300" in stable["Cache-Control"]
    assert "immutable" not in stale["Cache-Control"]
    assert current.content == stable.content == stale.content


@pytest.mark.parametrize(("width", "height"), [(600, 315), (300, 158)])
def test_share_image_comes_scaled_to_the_thumbnail_widths(anon, fact_check, width, height):
    response = anon.get(image_path(fact_check, width=width))

    assert decoded(response.content).size == (width, height)


@pytest.mark.parametrize("width", ["123", "abc", "0", "5000"])
def test_share_image_at_another_width_is_not_found(anon, fact_check, width):
    assert anon.get(image_path(fact_check, width=width)).status_code == 404


def test_share_image_under_an_old_slug_redirects_keeping_the_version(anon, fact_check):
    response = anon.get(f"/claims/{fact_check.pk}-old/share.png?v=abc")

    assert response.status_code == 301
    assert response["Location"] == image_path(fact_check, v="abc")


# --- Meta tags --------------------------------------------------------------------------------


def meta(tree, key: str) -> str:
    found = tree.xpath(f'//head/meta[@property="{key}" or @name="{key}"]/@content')
    assert len(found) == 1, key
    return found[0]


def test_claim_page_names_its_share_image_with_size_and_alt_text(anon, fact_check):
    tree = lxml.html.fromstring(anon.get(fact_check.get_absolute_url()).content)

    url = meta(tree, "og:image")
    assert url == meta(tree, "twitter:image")
    assert url.startswith(settings.SITE_URL + image_path(fact_check) + "?v=")
    assert (meta(tree, "og:image:width"), meta(tree, "og:image:height")) == ("1200", "630")
    assert meta(tree, "og:image:type") == "image/png"
    assert meta(tree, "twitter:card") == "summary_large_image"
    alt = meta(tree, "og:image:alt")
    assert alt == meta(tree, "twitter:image:alt")
    assert "Home Office" in alt and "Mostly accurate" in alt and "9,400 people" in alt
    image = anon.get(url.removeprefix(settings.SITE_URL))
    assert decoded(image.content).size == (1200, 630)


def test_share_image_address_changes_with_the_verdict(anon, reviewer, fact_check):
    def image_url() -> str:
        return meta(
            lxml.html.fromstring(anon.get(fact_check.get_absolute_url()).content), "og:image"
        )

    before = image_url()
    correct_rating(fact_check, reviewer, "inaccurate")

    assert image_url() != before
    assert "Inaccurate" in share_images.share_image_alt(Claim.objects.get(pk=fact_check.pk))


# --- Made in a task when the claim is published or changed ------------------------------------


def test_publishing_draws_the_share_image_after_commit(
    reviewer, eager, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(
        status=Claim.Status.IN_REVIEW, rating=rating("accurate"), verdict_summary="Right."
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.publish(claim, reviewer)
        assert not ShareImage.objects.exists()  # nothing before the commit

    assert callbacks
    stored = ShareImage.objects.get(claim=claim)
    claim = selectors.published_card(claim.pk)
    assert stored.fingerprint == share_images.share_image_fingerprint(claim)
    assert decoded(bytes(stored.png)).size == (1200, 630)


def test_a_correction_draws_the_share_image_again(
    reviewer, eager, fact_check, django_capture_on_commit_callbacks
):
    share_images.store_share_image(fact_check.pk)
    before = bytes(ShareImage.objects.get(claim=fact_check).png)

    with django_capture_on_commit_callbacks(execute=True):
        correct_rating(fact_check, reviewer, "misleading")

    after = ShareImage.objects.get(claim=fact_check)
    assert digest(bytes(after.png)) != digest(before)
    claim = selectors.published_card(fact_check.pk)
    assert after.fingerprint == share_images.share_image_fingerprint(claim)
    assert share_images.share_card(claim).corrected_label == "Corrected"


def test_withdrawing_removes_the_share_image(
    reviewer, eager, fact_check, django_capture_on_commit_callbacks
):
    share_images.store_share_image(fact_check.pk)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.withdraw(fact_check, reviewer, "The statistics were revised.")

    assert not ShareImage.objects.filter(claim=fact_check).exists()


def test_a_rolled_back_publication_draws_nothing(
    reviewer, eager, django_capture_on_commit_callbacks
):
    claim = ClaimFactory(
        status=Claim.Status.IN_REVIEW, rating=rating("accurate"), verdict_summary="Right."
    )

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.publish(claim, reviewer)
        raise RuntimeError("the request failed after publishing")

    assert callbacks == []
    assert not ShareImage.objects.exists()


def test_drawing_twice_stores_one_picture(fact_check):
    assert share_images.store_share_image(fact_check.pk) is True
    assert share_images.store_share_image(fact_check.pk) is False  # already current

    assert ShareImage.objects.filter(claim=fact_check).count() == 1


def test_renaming_the_claimant_makes_the_stored_picture_stale(anon, fact_check):
    share_images.store_share_image(fact_check.pk)
    old = ShareImage.objects.get(claim=fact_check).fingerprint
    fact_check.claimant.name = "Department for Returns"
    fact_check.claimant.save()

    claim = selectors.published_card(fact_check.pk)
    assert share_images.share_image_fingerprint(claim) != old
    assert share_images.store_share_image(fact_check.pk) is True


def test_claims_by_a_different_claimant_get_different_pictures():
    first = PublishedClaimFactory(text="Same words.", claimant=ClaimantFactory(name="A"))
    second = PublishedClaimFactory(text="Same words.", claimant=ClaimantFactory(name="B"))

    assert share_images.share_image_fingerprint(first) != share_images.share_image_fingerprint(
        second
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_draws_the_share_image_of_a_published_claim(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False
    app.control.purge()  # leftovers of other tests must not run against this database
    claim = ClaimFactory(
        status=Claim.Status.IN_REVIEW, rating=rating("accurate"), verdict_summary="Right."
    )
    worker = start_worker_process("share-images", tmp_path / "worker.log")
    try:
        workflow.publish(claim, ReviewerFactory())  # commits: the task goes to the broker
        stored = wait_for(
            lambda: ShareImage.objects.filter(claim=claim).first(),
            60,
            lambda: "no share image: " + (tmp_path / "worker.log").read_text()[-2000:],
        )
    finally:
        stop_process(worker)
        app.conf.task_always_eager = previous
    published = selectors.published_card(claim.pk)
    assert stored.fingerprint == share_images.share_image_fingerprint(published)
    assert decoded(bytes(stored.png)).size == (1200, 630)
