"""Demo records from the seed article (Western Balkans people-smuggling, November 2024).

The claims are written the way the desk writes them, through `claims.workflow`: a demo editor
creates each draft and sends the ready ones to review, a demo reviewer publishes them, on the
dates of the article (three days of work, published on PUBLISHED_AT). Their evidence (the
article as a source, its archived text, one origin citation per claim) and figures are records
of `sources` and `claims` that the workflow does not govern.

`load_demo()` is idempotent: every record is keyed (slugs, usernames, URL, excerpt), so running
it twice gives the same rows. A demo claim that exists already keeps its status, rating and
history (the desk may have moved it on); its wording is refreshed through the workflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db import transaction

from claims import workflow
from claims.figures import parse_figures
from claims.models import Claim, Claimant, Figure, Rating, Topic
from sources.demo_dataset import add_returns_dataset
from sources.extraction import text_hash
from sources.models import Citation, Snapshot, Source, excerpt_digest

ARTICLE_URL = "https://www.thx.news/uk-pm-calls-for-joint-action-on-western-balkans-smuggling/"
ARTICLE_TITLE = "UK Prime Minister calls for united European action on smuggling networks"
STATED_ON = dt.date(2024, 11, 7)
PUBLISHED_AT = dt.datetime(2024, 11, 12, 9, 30, tzinfo=dt.UTC)

# The seed article verbatim: excerpts below are exact substrings of it.
ARTICLE_TEXT = (Path(__file__).parent / "demo_data" / "seed-article.txt").read_text(
    encoding="utf-8"
)

CLAIMANTS = {
    "keir-starmer": dict(
        name="Keir Starmer",
        kind=Claimant.Kind.PERSON,
        role="Prime Minister of the United Kingdom",
        description="Prime Minister since July 2024; speaking at the EPC meeting in Budapest.",
        same_as=["https://www.gov.uk/government/people/keir-starmer"],
    ),
    "yvette-cooper": dict(
        name="Yvette Cooper",
        kind=Claimant.Kind.PERSON,
        role="Home Secretary",
        description="Home Secretary, responsible for the Border Security Command.",
        same_as=["https://www.gov.uk/government/people/yvette-cooper"],
    ),
    "uk-government": dict(
        name="UK Government",
        kind=Claimant.Kind.GOVERNMENT,
        role="His Majesty's Government",
        description="Statements made on behalf of the government by departments and No 10.",
        same_as=["https://www.gov.uk/"],
    ),
}

TOPICS = {
    "migration": "Migration",
    "border-security": "Border security",
    "foreign-policy": "Foreign policy",
}


@dataclass
class DemoFigure:
    label: str
    value: str
    unit: str
    period: str = ""
    approximation: str = Figure.Approximation.EXACT
    baseline_period: str = ""
    stated_change_pct: str | None = None


@dataclass
class DemoClaim:
    slug: str
    claimant: str
    title: str
    text: str
    excerpt: str
    cited_figure: str
    status: str
    rating: str | None
    verdict_summary: str
    analysis: str
    topics: list[str]
    figures: list[DemoFigure] = field(default_factory=list)
    # Also cite the official returns table (a workbook) for the figure, as a dataset cell.
    cites_returns_dataset: bool = False
    language: str = "en"
    # No figures listed: they are parsed from `text` as `language` writes numbers, and
    # labelled with these labels in order.
    figure_labels: list[str] = field(default_factory=list)


CLAIMS = [
    DemoClaim(
        slug="9400-returns-up-19-percent-on-2023",
        claimant="uk-government",
        title="9,400 people with no right to remain returned this year, up 19% on 2023",
        text=(
            "These intensified efforts have already led to the return of 9,400 people with no "
            "right to remain in the UK this year—a 19% increase from 2023."
        ),
        excerpt=(
            "the return of 9,400 people with no right to remain in the UK this year—a 19% "
            "increase from 2023"
        ),
        cited_figure="9,400",
        cites_returns_dataset=True,
        status=Claim.Status.PUBLISHED,
        rating="mostly-accurate",
        verdict_summary=(
            "The 9,400 returns and the 19% rise are the government's own figures; the rise implies "
            "about 7,900 returns in the same part of 2023. “This year” covers only part of 2024."
        ),
        analysis=(
            "The government said intensified efforts had **already led to the return of 9,400 "
            "people** with no right to remain, *a 19% increase from 2023*.\n\n"
            "A 19% rise to 9,400 implies about 7,899 returns in the comparison period. The "
            "statement does not say which months are compared, so readers should treat the "
            "comparison as year-to-date against the same period of 2023."
        ),
        topics=["migration", "border-security"],
        figures=[
            DemoFigure(
                label="People with no right to remain returned",
                value="9400",
                unit=Figure.Unit.PEOPLE,
                period="2024 (year to date)",
                baseline_period="2023",
                stated_change_pct="19",
            )
        ],
    ),
    # The same claim checked for Spanish readers: the statement translated, the figures read
    # from the Spanish text ("9.400" is nine thousand four hundred), the English original cited.
    DemoClaim(
        slug="9400-retornos-un-19-por-ciento-mas-que-en-2023",
        claimant="uk-government",
        language="es",
        title="9.400 personas sin derecho a permanecer, devueltas este año: un 19 % más",
        text=(
            "Estos esfuerzos intensificados ya han permitido el retorno de 9.400 personas sin "
            "derecho a permanecer en el Reino Unido este año, un 19 % más que en 2023."
        ),
        excerpt=(
            "these intensified efforts have already led to the return of 9,400 people with no "
            "right to remain in the UK this year"
        ),
        cited_figure="9,400",
        status=Claim.Status.PUBLISHED,
        rating="mostly-accurate",
        verdict_summary=(
            "Las 9.400 devoluciones y el aumento del 19 % son cifras del propio Gobierno; el "
            "aumento supone unas 7.900 devoluciones en el mismo periodo de 2023. «Este año» "
            "abarca solo una parte de 2024."
        ),
        analysis=(
            "El Gobierno británico afirmó que sus esfuerzos ya habían logrado **el retorno de "
            "9.400 personas** sin derecho a permanecer en el país, *un 19 % más que en 2023*.\n\n"
            "Un aumento del 19 % hasta 9.400 implica unas 7.899 devoluciones en el periodo de "
            "comparación. La declaración no precisa qué meses se comparan, por lo que conviene "
            "leerla como una comparación del año en curso con el mismo periodo de 2023."
        ),
        topics=["migration", "border-security"],
        figure_labels=["Personas sin derecho a permanecer devueltas"],
    ),
    DemoClaim(
        slug="75-million-for-border-security-command",
        claimant="uk-government",
        title="An additional £75 million for the Border Security Command",
        text=(
            "With an additional £75 million in funding, this command unit will support tech "
            "advancements and expand staffing to monitor and secure the UK’s borders more effectively."
        ),
        excerpt="With an additional £75 million in funding, this command unit will support tech advancements",
        cited_figure="£75 million",
        status=Claim.Status.IN_REVIEW,
        rating="accurate",
        verdict_summary="The £75 million is new funding announced for the Border Security Command.",
        analysis="Awaiting the reviewer: check the funding against the departmental announcement.",
        topics=["border-security"],
        figures=[
            DemoFigure(
                label="Additional funding for the Border Security Command",
                value="75000000",
                unit=Figure.Unit.GBP,
                period="2024-25",
            )
        ],
    ),
    DemoClaim(
        slug="nearly-100000-migrants-through-western-balkans",
        claimant="keir-starmer",
        title="Nearly 100,000 migrants passed through the Western Balkans last year",
        text=(
            "With nearly 100,000 migrants passing through the Western Balkans last year, this "
            "region remains a major route for illegal migration."
        ),
        excerpt="With nearly 100,000 migrants passing through the Western Balkans last year",
        cited_figure="100,000",
        status=Claim.Status.PUBLISHED,
        rating="mostly-accurate",
        verdict_summary=(
            "EU border agency figures put irregular crossings on the Western Balkan route at about "
            "99,000 in 2023, so “nearly 100,000” is fair, but they count crossings, not people."
        ),
        analysis=(
            "Detections of irregular border crossings are counted per crossing: one person "
            "detected twice counts twice. The figure is a fair description of the route's use "
            "but not an exact count of migrants."
        ),
        topics=["migration"],
        figures=[
            DemoFigure(
                label="Migrants passing through the Western Balkans",
                value="100000",
                unit=Figure.Unit.PEOPLE,
                approximation=Figure.Approximation.NEARLY,
                period="2023",
            )
        ],
    ),
    DemoClaim(
        slug="new-agreements-with-serbia-north-macedonia-kosovo",
        claimant="keir-starmer",
        title="New agreements signed with Serbia, North Macedonia and Kosovo",
        text=(
            "In Budapest, the Prime Minister announced fresh agreements with Serbia, North "
            "Macedonia, and Kosovo."
        ),
        excerpt="the Prime Minister announced fresh agreements with Serbia, North Macedonia, and Kosovo",
        cited_figure="",
        status=Claim.Status.PUBLISHED,
        rating="accurate",
        verdict_summary=(
            "The agreements were announced at the EPC meeting in Budapest on 7 November and cover "
            "intelligence sharing and joint operations against smuggling gangs."
        ),
        analysis="The three partnerships add to the existing work with Albania on illicit finance.",
        topics=["migration", "foreign-policy"],
    ),
    DemoClaim(
        slug="criminal-empire-operating-on-our-continent",
        claimant="keir-starmer",
        title="“A criminal empire operating on our continent”",
        text=(
            "There is a criminal empire operating on our continent, exacting a horrendous human "
            "toll and undermining our national security."
        ),
        excerpt="There is a criminal empire operating on our continent",
        cited_figure="",
        status=Claim.Status.DRAFT,
        rating=None,
        verdict_summary="",
        analysis="Rhetoric rather than a checkable claim; kept as context for the other claims.",
        topics=["migration"],
    ),
    DemoClaim(
        slug="western-balkans-partners-absolutely-key",
        claimant="yvette-cooper",
        title="Work with Western Balkans partners is “absolutely key”",
        text=(
            "Our work with our partners in the Western Balkans is absolutely key to dismantling "
            "the criminal networks that orchestrate the exploitation of vulnerable people for "
            "financial gain."
        ),
        excerpt="Our work with our partners in the Western Balkans is absolutely key",
        cited_figure="",
        status=Claim.Status.DRAFT,
        rating=None,
        verdict_summary="",
        analysis="",
        topics=["migration", "foreign-policy"],
    ),
]


# Drafting and review happened over the three days before publication.
DRAFTED_AT = PUBLISHED_AT - dt.timedelta(days=3)
VENUE = "European Political Community meeting, Budapest"
# Fields of a claim the demo refreshes on an existing claim; status and rating stay the desk's.
WORDING_FIELDS = ("title", "text", "verdict_summary", "analysis")

# The demo desk: who wrote and who published the demo fact checks. They cannot sign in (no
# password); their permissions are given directly, so they do not depend on the role groups.
DESK = {
    "demo-editor": ["claims.add_claim", "claims.change_claim"],
    "demo-reviewer": ["claims.change_claim", "claims.publish_claim"],
}


def _context(excerpt: str, width: int = 60) -> tuple[str, str]:
    start = ARTICLE_TEXT.index(excerpt)
    end = start + len(excerpt)
    return ARTICLE_TEXT[max(0, start - width) : start], ARTICLE_TEXT[end : end + width]


def _desk_user(username: str, permissions: list[str]) -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save()
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    # Permissions are cached on the instance; read them again after adding.
    return get_user_model().objects.get(pk=user.pk)


def _write_claim(spec: DemoClaim, editor, reviewer, source: Source) -> tuple[Claim, bool]:
    """The claim of `spec` with its evidence, taken as far along the workflow as `spec.status`
    says. Evidence is written while the claim is a draft, as an editor would: after publication
    only a reviewer's recorded correction or update may change it."""
    existing = Claim.objects.filter(slug=spec.slug).first()
    if existing is not None:
        changed = [
            name for name in WORDING_FIELDS if getattr(existing, name) != getattr(spec, name)
        ]
        if changed:
            for name in changed:
                setattr(existing, name, getattr(spec, name))
            # On a published demo claim the new wording is an update readers can see.
            note = workflow.UpdateNote("Wording brought in line with the demo data.")
            workflow.save_claim(existing, reviewer, change=note if existing.is_public else None)
        return existing, False
    claim = Claim(
        slug=spec.slug,
        claimant=Claimant.objects.get(slug=spec.claimant),
        title=spec.title,
        text=spec.text,
        language=spec.language,
        stated_on=STATED_ON,
        venue=VENUE,
        appearance_url=ARTICLE_URL,
        rating=Rating.objects.get(slug=spec.rating) if spec.rating else None,
        verdict_summary=spec.verdict_summary,
        analysis=spec.analysis,
    )
    workflow.create_claim(claim, editor, at=DRAFTED_AT)
    _write_evidence(claim, spec, source)
    if spec.cites_returns_dataset:
        add_returns_dataset(claim)
    if spec.status in (Claim.Status.IN_REVIEW, Claim.Status.PUBLISHED):
        workflow.submit_for_review(claim, editor, at=DRAFTED_AT)
    if spec.status == Claim.Status.PUBLISHED:
        workflow.publish(claim, reviewer, at=PUBLISHED_AT)
    return claim, True


def _write_evidence(claim: Claim, spec: DemoClaim, source: Source) -> None:
    claim.topics.set(Topic.objects.filter(slug__in=spec.topics))
    if spec.figure_labels:
        for position, (label, parsed) in enumerate(
            zip(spec.figure_labels, parse_figures(spec.text, spec.language), strict=False)
        ):
            Figure.objects.update_or_create(
                claim=claim,
                label=label,
                defaults=dict(**parsed.as_figure_fields(), position=position),
            )
    for position, fig in enumerate(spec.figures):
        Figure.objects.update_or_create(
            claim=claim,
            label=fig.label,
            defaults=dict(
                value=Decimal(fig.value),
                unit=fig.unit,
                approximation=fig.approximation,
                period=fig.period,
                baseline_period=fig.baseline_period,
                stated_change_pct=Decimal(fig.stated_change_pct) if fig.stated_change_pct else None,
                position=position,
            ),
        )
    prefix, suffix = _context(spec.excerpt)
    Citation.objects.update_or_create(
        claim=claim,
        source=source,
        excerpt_hash=excerpt_digest(spec.excerpt),
        defaults=dict(
            role=Citation.Role.ORIGIN,
            excerpt=spec.excerpt,
            excerpt_prefix=prefix,
            excerpt_suffix=suffix,
            cited_figure=spec.cited_figure,
            excerpt_state=Citation.ExcerptState.PRESENT,
            found_text=spec.excerpt,
            found_figure=spec.cited_figure,
            excerpt_checked_at=PUBLISHED_AT,
        ),
    )


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create or refresh the demo records; returns how many claims there are and how many are new."""
    for slug, fields in CLAIMANTS.items():
        Claimant.objects.update_or_create(slug=slug, defaults=fields)
    for slug, name in TOPICS.items():
        Topic.objects.update_or_create(slug=slug, defaults={"name": name})

    source, _ = Source.objects.update_or_create(
        url=ARTICLE_URL,
        defaults=dict(title=ARTICLE_TITLE, publisher="THX News", kind=Source.Kind.NEWS_REPORT),
    )
    snapshot, _ = Snapshot.objects.get_or_create(
        source=source,
        content_hash=text_hash(ARTICLE_TEXT),
        defaults=dict(
            title=ARTICLE_TITLE,
            main_text=ARTICLE_TEXT,
            full_text=ARTICLE_TEXT,
            content_type="text/html",
            final_url=ARTICLE_URL,
            created_at=PUBLISHED_AT,
        ),
    )
    if source.current_snapshot_id != snapshot.pk:
        source.current_snapshot = snapshot
        source.state = Source.State.OK
        # The archived text is the article as captured on publication; no live check yet.
        source.last_checked_at = source.last_checked_at or PUBLISHED_AT
        source.save()

    editor = _desk_user("demo-editor", DESK["demo-editor"])
    reviewer = _desk_user("demo-reviewer", DESK["demo-reviewer"])
    created = 0
    for spec in CLAIMS:
        _, is_new = _write_claim(spec, editor, reviewer, source)
        created += is_new
    return {"claims": len(CLAIMS), "created": created}
