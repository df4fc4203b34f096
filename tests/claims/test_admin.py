"""The editors' admin: every page renders for each role, bad input gets a form error."""

import pytest
from django.contrib import admin
from django.urls import reverse

from claims.admin import ClaimAdmin, add_claim_inline
from claims.admin.claims import ClaimEventInline, CorrectionInline, FigureInline
from claims.models import Claim, ClaimEvent, Correction, Figure
from sources.models import Citation, Source
from tests.factories import (
    CitationFactory,
    ClaimantFactory,
    ClaimFactory,
    FigureFactory,
    PublishedClaimFactory,
    SnapshotFactory,
    SourceFactory,
    TopicFactory,
    rating,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_everything(editor, reviewer):
    from sources import import_jobs

    for user in (editor, reviewer):  # a job is shown to the one who started it
        import_jobs.create_claimreview_job([], user)
    claim = PublishedClaimFactory()
    claim.topics.add(TopicFactory())
    FigureFactory(claim=claim)
    CitationFactory(claim=claim)
    SnapshotFactory()
    from claims import workflow

    workflow.correct(claim, reviewer, workflow.CorrectionNote("Typo fixed", "Reader email"))
    from sources.models import SourceCheck

    SourceCheck.objects.create(source=Source.objects.first(), outcome="ok", http_status=200)
    return claim


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in {"claims", "sources"}:
            continue
        yield model, model_admin


@pytest.mark.parametrize("role", ["editor_client", "reviewer_client"])
def test_every_admin_page_renders_for_each_role(request, role, one_of_everything):
    client = request.getfixturevalue(role)
    checked = 0
    for model, model_admin in admin_urls():
        opts = model._meta
        perm_user = request.getfixturevalue(role.replace("_client", ""))
        changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        # The model admin's own rule (most follow the model permissions; import jobs are
        # shown to everyone who may import).
        can_view = model_admin.has_view_permission(changelist.wsgi_request)
        assert changelist.status_code == (200 if can_view else 403), opts.label
        add = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        can_add = perm_user.has_perm(f"{opts.app_label}.add_{opts.model_name}")
        expected_add = 200 if can_add and model_admin.has_add_permission(add.wsgi_request) else 403
        assert add.status_code == expected_add, f"add {opts.label}"
        # What the admin lists to this user (import jobs: only their own).
        shown = model_admin.get_queryset(changelist.wsgi_request) if can_view else None
        obj = shown.first() if shown is not None else model._default_manager.first()
        assert obj is not None, opts.label
        change = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        )
        assert change.status_code == (200 if can_view else 403), f"change {opts.label}"
        checked += 1
    assert checked >= 10


def test_editor_sees_published_claim_read_only(editor_client):
    claim = PublishedClaimFactory()
    response = editor_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert response.status_code == 200
    assert b'name="title"' not in response.content
    post = editor_client.post(
        reverse("admin:claims_claim_change", args=[claim.pk]), {"title": "Hijacked"}
    )
    assert post.status_code == 403
    claim.refresh_from_db()
    assert claim.title != "Hijacked"


def claim_form_data(claimant, **overrides):
    data = {
        "title": "9,400 people returned",
        "text": "the return of 9,400 people with no right to remain",
        "claimant": claimant.pk,
        "stated_on": "2024-11-07",
        "venue": "EPC",
        "appearance_url": "",
        "rating": "",
        "verdict_summary": "",
        "analysis": "",
        "figures-TOTAL_FORMS": "0",
        "figures-INITIAL_FORMS": "0",
        "citations-TOTAL_FORMS": "0",
        "citations-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Según el Gobierno, 9.400 personas fueron devueltas este año.", "", "es"),
        ("Nach Angaben der Regierung wurden 9.400 Menschen zurückgeführt.", "", "de"),
        ("Según el Gobierno, 9.400 personas fueron devueltas este año.", "en", "en"),
    ],
)
def test_admin_claim_language_is_detected_from_the_text_unless_chosen(
    editor_client, text, language, expected
):
    data = claim_form_data(ClaimantFactory(), text=text, language=language)
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Claim.objects.get().language == expected


def test_admin_refuses_a_language_that_is_not_configured(editor_client):
    data = claim_form_data(ClaimantFactory(), language="xx")
    response = editor_client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Claim.objects.exists()


def test_editor_creates_a_draft_through_the_admin_with_history(editor_client, editor):
    claimant = ClaimantFactory()
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form_data(
            claimant,
            **{
                "figures-TOTAL_FORMS": "1",
                "figures-0-label": "Returns",
                "figures-0-value": "9400",
                "figures-0-unit": "people",
                "figures-0-approximation": "exact",
                "figures-0-stated_change_pct": "19",
                "figures-0-baseline_period": "2023",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert claim.status == Claim.Status.DRAFT
    assert claim.created_by == editor
    assert claim.figures.get().value == 9400
    assert claim.events.get().kind == ClaimEvent.Kind.CREATED


def test_title_over_75_characters_is_a_form_error(editor_client):
    response = editor_client.post(
        reverse("admin:claims_claim_add"), claim_form_data(ClaimantFactory(), title="x" * 80)
    )
    assert response.status_code == 200
    assert "at most 75 characters" in response.content.decode()
    assert not Claim.objects.exists()


def test_non_numeric_figure_value_is_a_form_error(editor_client):
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form_data(
            ClaimantFactory(),
            **{
                "figures-TOTAL_FORMS": "1",
                "figures-0-label": "Returns",
                "figures-0-value": "nine thousand",
                "figures-0-unit": "people",
                "figures-0-approximation": "exact",
            },
        ),
    )
    assert response.status_code == 200
    assert "Enter a number" in response.content.decode()
    assert not Claim.objects.exists()


def test_invalid_source_url_is_a_form_error(editor_client, settings):
    settings.SOURCES_FETCH_ALLOW = []  # production: local addresses are refused
    for bad in [
        "not a url",
        "ftp://example.org/file",
        "http://127.0.0.1/admin",
        "http://user:pw@example.org/",
    ]:
        response = editor_client.post(
            reverse("admin:sources_source_add"),
            {
                "url": bad,
                "title": "Bad",
                "kind": "other",
                "monitoring_enabled": "on",
                "citations-TOTAL_FORMS": "0",
                "citations-INITIAL_FORMS": "0",
                "checks-TOTAL_FORMS": "0",
                "checks-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200, bad
        assert "errornote" in response.content.decode(), bad
    assert not Source.objects.exists()


def test_duplicate_citation_is_a_form_error(editor_client):
    claim = ClaimFactory()
    source = SourceFactory()
    citation = {
        "source": source.pk,
        "role": "supports",
        "excerpt": "the return of 9,400 people",
        "excerpt_prefix": "",
        "excerpt_suffix": "",
        "cited_figure": "9,400",
        "note": "",
    }
    data = claim_form_data(
        claim.claimant,
        title=claim.title,
        **{"citations-TOTAL_FORMS": "2"},
        **{f"citations-0-{k}": v for k, v in citation.items()},
        **{f"citations-1-{k}": v for k, v in citation.items()},
    )
    response = editor_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert "cited twice" in response.content.decode()
    assert not Citation.objects.exists()

    CitationFactory(claim=claim, source=source, excerpt="the return of 9,400 people")
    data["citations-TOTAL_FORMS"] = "1"
    response = editor_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert "already cites this excerpt" in response.content.decode()
    assert Citation.objects.count() == 1


def test_rating_change_on_published_claim_needs_correction_in_the_form(reviewer_client):
    claim = PublishedClaimFactory()
    data = claim_form_data(
        claim.claimant,
        title=claim.title,
        text=claim.text,
        rating=rating("misleading").pk,
        verdict_summary=claim.verdict_summary,
    )
    response = reviewer_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 200
    assert "needs a correction" in response.content.decode()
    claim.refresh_from_db()
    assert claim.rating.slug == "accurate"

    data.update(correction_what="Rating lowered", correction_reason="Revised statistics")
    response = reviewer_client.post(reverse("admin:claims_claim_change", args=[claim.pk]), data)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.rating.slug == "misleading"
    assert Correction.objects.get(claim=claim).reason == "Revised statistics"


def test_editor_publish_action_is_refused_and_reviewer_publish_works(
    editor_client, reviewer_client
):
    claim = ClaimFactory(
        status=Claim.Status.IN_REVIEW, rating=rating("mixed"), verdict_summary="Partly right."
    )
    url = reverse("admin:claims_claim_changelist")
    payload = {"action": "publish_selected", "_selected_action": [claim.pk]}
    editor_client.post(url, payload)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    reviewer_client.post(url, payload)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED


def test_published_claim_cannot_be_deleted_through_the_admin(reviewer_client):
    claim = PublishedClaimFactory()
    response = reviewer_client.post(
        reverse("admin:claims_claim_delete", args=[claim.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    bulk = reviewer_client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "delete_selected", "_selected_action": [claim.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 403)
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_withdraw_action_asks_for_a_reason(reviewer_client):
    claim = PublishedClaimFactory()
    url = reverse("admin:claims_claim_changelist")
    page = reviewer_client.post(
        url, {"action": "withdraw_selected", "_selected_action": [claim.pk]}
    )
    assert page.status_code == 200
    assert "Reason" in page.content.decode()
    reviewer_client.post(
        url,
        {
            "action": "withdraw_selected",
            "_selected_action": [claim.pk],
            "apply": "1",
            "reason": "Retracted",
        },
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_figure_arithmetic_is_shown_in_the_admin(reviewer_client):
    claim = ClaimFactory()
    Figure.objects.create(
        claim=claim,
        label="Returns",
        value=9400,
        unit="people",
        stated_change_pct=19,
        baseline_period="2023",
    )
    response = reviewer_client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    assert "implies about 7,899 in 2023" in response.content.decode()


def test_an_app_adds_an_inline_to_the_claim_page_once_after_the_figures(monkeypatch, rf, editor):
    monkeypatch.setattr(ClaimAdmin, "extra_inlines", [])

    class ExtraFigureInline(admin.TabularInline):
        model = Figure

    add_claim_inline(ExtraFigureInline)
    add_claim_inline(ExtraFigureInline)  # a module imported twice must not show it twice
    request = rf.get("/")
    request.user = editor
    claim_admin = admin.site.get_model_admin(Claim)
    assert type(claim_admin) is ClaimAdmin
    assert claim_admin.get_inlines(request, None) == [
        FigureInline,
        ExtraFigureInline,
        CorrectionInline,
        ClaimEventInline,
    ]


def test_control_characters_typed_into_the_admin_are_removed_from_the_claim_and_figures(
    editor_client,
):
    claimant = ClaimantFactory()
    response = editor_client.post(
        reverse("admin:claims_claim_add"),
        claim_form_data(
            claimant,
            title="Returns\x1b rose",
            text="We returned\x0b 9,400\x07 people\r\n",
            **{
                "figures-TOTAL_FORMS": "1",
                "figures-0-label": "Returns\x1b",
                "figures-0-value": "9400",
                "figures-0-unit": "people",
                "figures-0-approximation": "exact",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert (claim.title, claim.text) == ("Returns rose", "We returned\n 9,400 people")
    assert claim.figures.get().label == "Returns"


def test_nul_typed_into_the_admin_is_a_form_error(editor_client):
    response = editor_client.post(
        reverse("admin:claims_claim_add"), claim_form_data(ClaimantFactory(), text="Crime\x00")
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("query", "answer"),
    [
        # A NUL: the query-string guard answers 400 before any view runs.
        ("status__exact=%00", 400),
        ("q=%00", 400),
        ("claimant__id__exact=%00", 400),
        # What the database or the date hierarchy cannot take: a bad filter, ?e=1.
        ("created_at__year=99999999999999999999999", 302),
        ("created_at__year=2024&created_at__month=99999999999999999999", 302),
        ("created_at__year=10000", 302),
        ("created_at__year=2024&created_at__month=2&created_at__day=30", 302),
        ("needs_attention__exact=maybe", 302),
        # An id that is merely missing lists nothing.
        ("claimant__id__exact=99999999999999999999999", 200),
    ],
)
def test_impossible_filter_values_get_a_clean_answer_not_a_500(reviewer_client, query, answer):
    PublishedClaimFactory()
    path = reverse("admin:claims_claim_changelist")
    response = reviewer_client.get(f"{path}?{query}")
    assert response.status_code == answer
    if answer == 302:
        assert response["Location"].endswith("?e=1")


def test_the_change_list_refuses_a_nul_itself_behind_the_guard(rf, reviewer):
    from django.contrib.admin.options import IncorrectLookupParameters

    from claims.admin.changelists import HardenedChangeList

    request = rf.get("/admin/claims/claim/", {"status__exact": "\x00"})
    request.user = reviewer
    model_admin = admin.site._registry[Claim]
    assert model_admin.get_changelist(request) is HardenedChangeList
    with pytest.raises(IncorrectLookupParameters):
        model_admin.get_changelist_instance(request)


def test_saving_a_published_claim_untouched_needs_no_correction_note(reviewer_client):
    from tests.support.forms import form_data

    claim = PublishedClaimFactory(text="First line.\nSecond line.", analysis="One.\n\nTwo.")
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    page = reviewer_client.get(url).content.decode()
    # As a browser posts the form back: every textarea's line breaks as CRLF.
    data = {
        name: [v.replace("\n", "\r\n") for v in value]
        if isinstance(value, list)
        else value.replace("\n", "\r\n")
        for name, value in form_data(page, "claim_form").items()
    }
    response = reviewer_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim.refresh_from_db()
    assert (claim.text, claim.analysis) == ("First line.\nSecond line.", "One.\n\nTwo.")
    assert not claim.corrections.exists()


def test_a_spanish_editor_types_figures_with_spanish_digits():
    from decimal import Decimal

    from django.utils import translation

    from claims.admin.claims import FigureValueField

    field = FigureValueField(max_digits=20, decimal_places=4)
    with translation.override("es"):
        assert field.clean("9.400") == Decimal("9400")
        assert field.clean("1,5") == Decimal("1.5")
        assert field.prepare_value(Decimal("9400.0000")) == "9.400"
    with translation.override("en"):
        assert field.clean("9,400") == Decimal("9400")
        assert field.clean("9.4") == Decimal("9.4")
        assert field.prepare_value(Decimal("9400.0000")) == "9,400"
