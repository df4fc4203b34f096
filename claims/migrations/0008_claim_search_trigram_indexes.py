# Reader search's literal match next to the full-text one (Django's icontains on PostgreSQL:
# UPPER(title) LIKE UPPER('%…%'), the same for text): without an index of its own, the OR made
# PostgreSQL scan every claim. Trigram indexes on the same expressions (pg_trgm, migration 0003)
# let it combine index scans instead.

from django.db import migrations

INDEXES = {
    "claim_title_upper_trgm_idx": "UPPER(title::text)",
    "claim_text_upper_trgm_idx": "UPPER(text::text)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON claims_claim USING gin (({column}) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0007_pendingpageinvalidation"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
    ]
