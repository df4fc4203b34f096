"""Whole-database backup and restore (the `backup` and `restore` management commands).

PostgreSQL: `pg_dump --format=custom` / `pg_restore --clean` (schema, data, sequences, the
pg_trgm index: an exact copy). Any other database (SQLite, the embedded default): Django's
`dumpdata`/`loaddata` JSON with natural keys, which also moves data between engines.
The client tools read the connection from PG* environment variables, never from the command
line, so the password does not show in `ps`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, transaction

PG_MAGIC = b"PGDMP"
# Rebuilt by migrate/post_migrate, or tied to this installation (sessions, login attempts).
JSON_EXCLUDE = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "admin.logentry",
    "axes",
]


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def _is_postgres(alias: str) -> bool:
    return connections[alias].vendor == "postgresql"


def _pg_env(alias: str) -> dict[str, str]:
    db = connections[alias].settings_dict
    env = dict(os.environ)
    for key, name in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if db.get(key):
            env[name] = str(db[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client).")
    # A fixed argument list (no shell); the only variable parts are our own paths and names.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")


def backup_database(path: Path, *, fmt: str = "auto", alias: str = DEFAULT_DB_ALIAS) -> str:
    """Write a backup of the whole database to `path`; returns the format used ("pg"/"json")."""
    if fmt == "auto":
        fmt = "pg" if _is_postgres(alias) else "json"
    if fmt == "pg":
        if not _is_postgres(alias):
            raise BackupError("The pg format needs PostgreSQL; use --format json.")
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(path)],
            _pg_env(alias),
        )
        return fmt
    if fmt != "json":
        raise BackupError(f"Unknown format {fmt!r} (auto, pg or json).")
    # Write to a temporary name first: a failed dump never leaves a truncated file behind.
    partial = path.with_name(path.name + ".partial")
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=JSON_EXCLUDE,
        indent=None,
        output=str(partial),
        database=alias,
        verbosity=0,
    )
    partial.replace(path)
    return fmt


def backup_format(path: Path) -> str:
    """The backup file's format: "pg" (pg_dump custom archive) or "json" (dumpdata)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(PG_MAGIC):
        return "pg"
    if head.lstrip()[:1] == b"[":
        return "json"
    raise BackupError(f"{path} is neither a pg_dump custom archive nor a dumpdata JSON file.")


def restore_database(path: Path, *, alias: str = DEFAULT_DB_ALIAS) -> str:
    """Replace the database's contents with the backup at `path`; returns its format.

    A JSON restore runs in one transaction (flush, then load): if loading fails, the database
    is left as it was. A pg restore drops and recreates each object of the archive.
    """
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    fmt = backup_format(path)
    if fmt == "pg":
        if not _is_postgres(alias):
            raise BackupError("A pg_dump archive can only be restored into PostgreSQL.")
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                _pg_env(alias).get("PGDATABASE", ""),
                str(path),
            ],
            _pg_env(alias),
        )
        connections[alias].close()  # cached state (e.g. type OIDs) must not outlive the swap
        return fmt
    with transaction.atomic(using=alias):
        call_command("flush", interactive=False, database=alias, verbosity=0)
        call_command("loaddata", str(path), database=alias, verbosity=0, stdout=StringIO())
    return fmt
