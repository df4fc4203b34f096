"""ops/backup.py and the backup/restore commands: round trips on SQLite and PostgreSQL."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from claims.models import Claim, ClaimEvent, Figure
from claims.workflow import publish, submit_for_review
from ops.backup import BackupError, backup_format
from sources.models import Citation, Source
from tests.factories import (
    CitationFactory,
    ClaimFactory,
    FigureFactory,
    ReviewerFactory,
    rating,
)


def _world():
    reviewer = ReviewerFactory()
    claim = ClaimFactory(
        title="Returns rose <b>19%</b> — “quoted” ünïcode",
        rating=rating("accurate"),
        verdict_summary="Right on the Home Office figures.",
    )
    FigureFactory(claim=claim)
    CitationFactory(claim=claim)
    submit_for_review(claim, reviewer)
    publish(claim, reviewer)
    return claim


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Claim, ClaimEvent, Figure, Source, Citation)
    }


def _round_trip(tmp_path: Path, fmt: str):
    claim = _world()
    before = _counts()
    target = tmp_path / f"backup.{fmt}"
    call_command("backup", str(target), "--format", fmt)
    assert backup_format(target) == fmt

    # Damage: a new claim and a lost one; restore must bring back exactly the backed-up state.
    ClaimFactory(title="Written after the backup")
    Figure.objects.all().delete()
    Citation.objects.all().delete()
    call_command("restore", str(target), "--yes")

    assert _counts() == before
    restored = Claim.objects.get(pk=claim.pk)
    assert restored.title == claim.title
    assert restored.status == Claim.Status.PUBLISHED
    assert not Claim.objects.filter(title="Written after the backup").exists()
    # New rows still get fresh primary keys (sequences were restored too).
    assert ClaimFactory().pk > max(before["Claim"], claim.pk) - 1


@pytest.mark.django_db(transaction=True)
def test_json_backup_round_trip_restores_every_row(tmp_path):
    _round_trip(tmp_path, "json")


@pytest.mark.django_db(transaction=True)
def test_pg_dump_backup_round_trip_restores_every_row(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump archives need PostgreSQL (DATABASE_URL)")
    _round_trip(tmp_path, "pg")


@pytest.mark.django_db
def test_json_backup_is_written_whole_and_leaves_no_partial_file(tmp_path):
    _world()
    target = tmp_path / "b.json"
    call_command("backup", str(target), "--format", "json")
    rows = json.loads(target.read_text())
    assert any(row["model"] == "claims.claim" for row in rows)
    assert not any(row["model"] == "sessions.session" for row in rows)
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.django_db
def test_restore_refuses_without_yes_and_keeps_the_data(tmp_path):
    claim = ClaimFactory()
    target = tmp_path / "b.json"
    call_command("backup", str(target), "--format", "json")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(target))
    assert Claim.objects.filter(pk=claim.pk).exists()


@pytest.mark.django_db
def test_restore_of_a_broken_file_is_a_clear_error_and_loses_nothing(tmp_path):
    claim = ClaimFactory()
    bad = tmp_path / "bad.json"
    bad.write_text('[{"model": "claims.claim", "fields": {"no_such_field": 1}}]')
    with pytest.raises((CommandError, Exception)):
        call_command("restore", str(bad), "--yes")
    assert Claim.objects.filter(pk=claim.pk).exists()
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01not a backup")
    with pytest.raises(CommandError, match="neither"):
        call_command("restore", str(garbage), "--yes")
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing.json"), "--yes")


@pytest.mark.django_db
def test_pg_format_on_sqlite_is_refused_with_a_clear_error(tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite only")
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("backup", str(tmp_path / "x.dump"), "--format", "pg")


def test_backup_format_is_detected_from_the_file(tmp_path):
    pg = tmp_path / "a"
    pg.write_bytes(b"PGDMP\x01\x0e")
    js = tmp_path / "b"
    js.write_text("  [ ]")
    assert backup_format(pg) == "pg"
    assert backup_format(js) == "json"
    other = tmp_path / "c"
    other.write_text("hello")
    with pytest.raises(BackupError):
        backup_format(other)
