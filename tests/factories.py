"""factory_boy factories shared by every test package."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from claims.models import Claim, Claimant, Figure, Rating, Topic
from sources.models import Citation, Snapshot, Source
from webhooks.models import EventType, WebhookEndpoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @staticmethod
    def join(user, create: bool, name: str | None) -> None:
        if create and name:
            user.groups.add(Group.objects.get(name=name))
        if create:
            user.save()

    group = factory.PostGeneration(
        lambda user, create, name, **kw: UserFactory.join(user, create, name)
    )


class EditorFactory(UserFactory):
    username = factory.Sequence(lambda n: f"editor{n}")
    group = factory.PostGeneration(
        lambda user, create, name, **kw: UserFactory.join(user, create, name or "Editors")
    )


class ReviewerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"reviewer{n}")
    group = factory.PostGeneration(
        lambda user, create, name, **kw: UserFactory.join(user, create, name or "Reviewers")
    )


class ClaimantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claimant

    name = factory.Sequence(lambda n: f"Claimant {n}")
    kind = Claimant.Kind.PERSON
    role = "Minister"


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Topic {n}")


def rating(slug: str = "accurate") -> Rating:
    """A step of the default scale installed by the data migration."""
    return Rating.objects.get(slug=slug)


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    title = factory.Sequence(lambda n: f"Claim number {n} about returns")
    text = factory.LazyAttribute(lambda c: f"{c.title}, the minister said.")
    claimant = factory.SubFactory(ClaimantFactory)
    status = Claim.Status.DRAFT
    verdict_summary = ""


class PublishedClaimFactory(ClaimFactory):
    status = Claim.Status.PUBLISHED
    rating = factory.LazyFunction(lambda: rating("accurate"))
    verdict_summary = "Correct on the published figures."
    published_at = factory.LazyFunction(timezone.now)


class FigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Figure

    claim = factory.SubFactory(ClaimFactory)
    label = "People returned"
    value = Decimal("9400")
    unit = Figure.Unit.PEOPLE
    period = "2024"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://www.gov.uk/government/news/item-{n}")
    title = factory.Sequence(lambda n: f"Press release {n}")
    publisher = "Home Office"
    kind = Source.Kind.PRESS_RELEASE


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    role = Citation.Role.SUPPORTS
    excerpt = factory.Sequence(lambda n: f"the return of 9,400 people (excerpt {n})")


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Snapshot

    source = factory.SubFactory(SourceFactory)
    main_text = factory.Sequence(lambda n: f"Snapshot text {n}")
    content_hash = factory.Sequence(lambda n: f"{n:064x}")


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    owner = factory.SubFactory(UserFactory, is_staff=False)
    url = factory.Sequence(lambda n: f"https://hooks.example.org/claimwatch/{n}")
    description = factory.Sequence(lambda n: f"Newsroom {n}")
    events = factory.LazyFunction(lambda: list(EventType.values))
