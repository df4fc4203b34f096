"""Text stored before text was cleaned at the edges (claims.hygiene): control characters
removed, NULs dropped, line breaks as LF, in every text field of the editorial models.

Invisible characters only, so no correction is recorded; derived columns (the normalised
text) are text fields too and are cleaned alike.
"""

from django.db import migrations

MODELS = ["Claimant", "Topic", "Rating", "RatingAlias", "Claim", "Figure", "Correction"]


def clean_stored_text(apps, schema_editor):
    # The rules' one definition; it imports no model.
    from claims.hygiene import scrub_stored_rows

    for name in MODELS:
        scrub_stored_rows(apps.get_model("claims", name), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0011_share_images"),
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
