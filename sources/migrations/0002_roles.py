"""Give the Editors and Reviewers groups their permissions on sources and citations."""

from django.db import migrations

EDITOR_PERMS = [
    "add_source",
    "change_source",
    "view_source",
    "add_citation",
    "change_citation",
    "delete_citation",
    "view_citation",
    "view_sourcecheck",
    "view_snapshot",
]
REVIEWER_EXTRA_PERMS = ["delete_source"]


def install(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="sources")
    editors, _ = Group.objects.get_or_create(name="Editors")
    reviewers, _ = Group.objects.get_or_create(name="Reviewers")
    editors.permissions.add(*perms.filter(codename__in=EDITOR_PERMS))
    reviewers.permissions.add(*perms.filter(codename__in=EDITOR_PERMS + REVIEWER_EXTRA_PERMS))


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0001_initial"),
        ("claims", "0002_default_scale_and_roles"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
