from django.db import migrations, models

import claims.languages


def refill(apps, schema_editor):
    # Each document is now stemmed in its claim's language. PostgreSQL only, as in 0006.
    if schema_editor.connection.vendor != "postgresql":
        return
    from claims.search_document import refresh_search_vectors

    refresh_search_vectors(using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0012_clean_stored_text"),
    ]

    operations = [
        # Existing claims take the site's language: until now every claim was read as English.
        migrations.AddField(
            model_name="claim",
            name="language",
            field=models.CharField(
                choices=claims.languages.language_choices,
                default=claims.languages.default_language,
                help_text="The language the claim was made in; its figures are read in that language.",
                max_length=12,
            ),
        ),
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
