"""A GiST trigram index for nearest-neighbour ordering (`<->`) in similar-claim search.

The GIN index (0004) answers "which claims contain 9400"; only GiST can return the N most
similar texts without scoring every row (48 ms instead of 730 ms at 100,000 claims on one
topic, see bench/RESULTS.md). PostgreSQL only; SQLite searches in Python.
"""

from django.db import migrations

GIST_INDEX = "claim_normalised_text_gist_idx"


def create_gist_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIST_INDEX} "
            "ON claims_claim USING gist (normalised_text gist_trgm_ops)"
        )


def drop_gist_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIST_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_claim_matching")]

    operations = [migrations.RunPython(create_gist_index, drop_gist_index)]
