"""The `intake` management command: ranked candidates from a file or stdin, --create drafts."""

import io

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim
from tests.factories import ClaimantFactory
from tests.support.builders import SEED_ARTICLE_PATH as SEED

pytestmark = pytest.mark.django_db


def run(*args, stdin: str | None = None) -> str:
    out = io.StringIO()
    if stdin is not None:
        import sys

        old, sys.stdin = sys.stdin, io.StringIO(stdin)
        try:
            call_command("intake", *args, stdout=out)
        finally:
            sys.stdin = old
    else:
        call_command("intake", *args, stdout=out)
    return out.getvalue()


def test_prints_ranked_candidates_with_figures_best_first():
    output = run(str(SEED), "--limit", "3")
    lines = [line for line in output.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 3
    assert "9,400 people" in lines[0]
    assert "figure: 9,400 = 9,400 people, this year, change +19% vs 2023" in output
    assert "speaker: the government" in output


def test_reads_standard_input():
    output = run("-", stdin="Returns rose 19% to 9,400 in 2024. Nothing else happened here today.")
    assert output.startswith(" 1. [")
    assert "9,400" in output


def test_says_when_nothing_is_checkable():
    assert "No candidate claims found." in run("-", stdin="A quiet day in Westminster.")


def test_create_makes_drafts_for_the_listed_candidates(editor):
    claimant = ClaimantFactory(name="UK Government")
    output = run(
        str(SEED),
        "--limit",
        "2",
        "--create",
        "--user",
        editor.username,
        "--claimant",
        "UK Government",
    )
    assert output.count("Created draft #") == 2
    assert Claim.objects.drafts().filter(claimant=claimant).count() == 2


def test_create_without_user_is_a_clear_error():
    with pytest.raises(CommandError, match="--create needs --user"):
        run(str(SEED), "--create")
    assert Claim.objects.count() == 0


def test_unknown_claimant_is_a_clear_error(editor):
    with pytest.raises(CommandError, match="No single claimant"):
        run(str(SEED), "--create", "--user", editor.username, "--claimant", "Nobody")


def test_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.txt"))
