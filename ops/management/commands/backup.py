"""manage.py backup FILE: the whole database to one file (pg_dump on PostgreSQL, else JSON)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Back up the whole database to FILE: a pg_dump custom archive on PostgreSQL, "
        "dumpdata JSON otherwise (--format json works on any database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["auto", "pg", "json"], default="auto")

    def handle(self, *args, file: Path, format: str, **options):
        try:
            used = backup_database(file, fmt=format)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backed up to {file} ({used}, {file.stat().st_size} bytes).")
