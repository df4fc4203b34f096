"""Install the default rating scale and the Editors / Reviewers groups."""

from django.db import migrations

DEFAULT_SCALE = [
    # label, slug, value, colour (white text passes WCAG AA on each), bucket, description
    (
        "Accurate",
        "accurate",
        5,
        "#1a7f37",
        "true",
        "The claim is correct and nothing significant is missing.",
    ),
    (
        "Mostly accurate",
        "mostly-accurate",
        4,
        "#3b6e0f",
        "true",
        "The claim is correct but needs clarification or additional context.",
    ),
    (
        "Mixed",
        "mixed",
        3,
        "#8a5a00",
        "mixed",
        "The claim is partly correct and partly wrong, or leaves out important context.",
    ),
    (
        "Misleading",
        "misleading",
        2,
        "#b0410a",
        "false",
        "The figures may be right but the claim gives a wrong impression.",
    ),
    (
        "Inaccurate",
        "inaccurate",
        1,
        "#b42318",
        "false",
        "The claim is wrong on the evidence available.",
    ),
    (
        "Unverifiable",
        "unverifiable",
        0,
        "#57606a",
        "unverifiable",
        "There is not enough public evidence to say whether the claim is right.",
    ),
]

# Common names other fact-checkers use in ClaimReview `alternateName`, mapped to our scale.
DEFAULT_ALIASES = {
    "true": "accurate",
    "correct": "accurate",
    "accurate": "accurate",
    "mostly true": "mostly-accurate",
    "mostly accurate": "mostly-accurate",
    "half true": "mixed",
    "half-true": "mixed",
    "mixed": "mixed",
    "partly true": "mixed",
    "misleading": "misleading",
    "missing context": "misleading",
    "exaggerated": "misleading",
    "mostly false": "inaccurate",
    "false": "inaccurate",
    "incorrect": "inaccurate",
    "pants on fire": "inaccurate",
    "inaccurate": "inaccurate",
    "wrong": "inaccurate",
    "unverifiable": "unverifiable",
    "unproven": "unverifiable",
    "unsupported": "unverifiable",
}

EDITOR_PERMS = [
    "add_claim",
    "change_claim",
    "view_claim",
    "add_figure",
    "change_figure",
    "delete_figure",
    "view_figure",
    "add_claimant",
    "change_claimant",
    "view_claimant",
    "add_topic",
    "change_topic",
    "view_topic",
    "view_rating",
    "view_ratingalias",
    "view_correction",
    "view_claimevent",
]
REVIEWER_EXTRA_PERMS = [
    "publish_claim",
    "delete_claim",
    "add_correction",
    "change_correction",
    "add_rating",
    "change_rating",
    "add_ratingalias",
    "change_ratingalias",
    "delete_ratingalias",
    "delete_claimant",
    "delete_topic",
]


def ensure_permissions(apps) -> None:
    # Permissions are normally created after all migrations; data migrations need them now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None


def install(apps, schema_editor):
    Rating = apps.get_model("claims", "Rating")
    RatingAlias = apps.get_model("claims", "RatingAlias")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    for label, slug, value, colour, bucket, description in DEFAULT_SCALE:
        Rating.objects.update_or_create(
            slug=slug,
            defaults={
                "label": label,
                "value": value,
                "colour": colour,
                "bucket": bucket,
                "description": description,
            },
        )
    for name, slug in DEFAULT_ALIASES.items():
        RatingAlias.objects.get_or_create(
            name=name, defaults={"rating": Rating.objects.get(slug=slug)}
        )

    ensure_permissions(apps)
    claims_perms = Permission.objects.filter(content_type__app_label="claims")
    editors, _ = Group.objects.get_or_create(name="Editors")
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    editors.permissions.add(*claims_perms.filter(codename__in=EDITOR_PERMS))
    reviewers.permissions.add(
        *claims_perms.filter(codename__in=EDITOR_PERMS + REVIEWER_EXTRA_PERMS)
    )


def uninstall(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
