"""Enable pg_trgm on PostgreSQL for similar-claim search; SQLite uses a Python fallback."""

from django.db import migrations


def enable_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_default_scale_and_roles")]

    operations = [migrations.RunPython(enable_trigram, migrations.RunPython.noop)]
