from django.db import migrations


def refill(apps, schema_editor):
    # The stored document now carries the claim's figures spelled one way ("9,400" and "9400",
    # "19%" and "19 per cent" alike): recompute it. PostgreSQL only, as in 0006.
    if schema_editor.connection.vendor != "postgresql":
        return
    # The document's one definition, as 0006 uses it; it imports no model.
    from claims.search_document import refresh_search_vectors

    # The column Claim.language comes in 0011: documents here are English.
    refresh_search_vectors(using=schema_editor.connection.alias, by_language=False)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0009_public_changes"),
    ]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
