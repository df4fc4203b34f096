"""manage.py restore FILE --yes: replace the database's contents with a `backup` file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Replace everything in the database with the backup FILE (pg_dump archive or JSON, "
        "detected from the file). Destructive: needs --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="confirm that current data may be replaced"
        )

    def handle(self, *args, file: Path, yes: bool, **options):
        if not yes:
            raise CommandError("Restoring replaces all current data; run again with --yes.")
        try:
            used = restore_database(file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {file} ({used}).")
