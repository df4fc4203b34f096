"""Text stored before text was cleaned at the edges (claims.hygiene): control characters
removed, NULs dropped, line breaks as LF, in sources' titles and citations' excerpts.

Excerpt hashes are left as they were: the next save recomputes them, and two citations that
differed only by an invisible character must not collide here.
"""

from django.db import migrations

MODELS = ["Source", "Citation"]


def clean_stored_text(apps, schema_editor):
    from claims.hygiene import scrub_stored_rows

    for name in MODELS:
        scrub_stored_rows(apps.get_model("sources", name), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_citation_locators"),
    ]

    operations = [migrations.RunPython(clean_stored_text, migrations.RunPython.noop)]
