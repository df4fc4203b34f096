"""Rank the sentences of an article as candidate claims; optionally keep them as drafts.

A thin caller of sources.intake.intake_article, like the admin's intake screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.figures import format_quantity
from claims.intake import Candidate
from claims.models import Claimant
from sources import intake


class Command(BaseCommand):
    help = "Print the candidate claims of an article (FILE, or - for stdin), best first."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file", help="Article text file, or - for standard input (empty: fetch --source-url)."
        )
        parser.add_argument("--limit", type=int, default=15, help="How many candidates (15).")
        parser.add_argument(
            "--min-score",
            type=float,
            default=None,
            help="Leave out candidates below this check-worthiness (default: the model's "
            "threshold; 0 lists every sentence).",
        )
        parser.add_argument(
            "--create", action="store_true", help="Keep the listed candidates as draft claims."
        )
        parser.add_argument("--user", help="Username the drafts are created by (with --create).")
        parser.add_argument(
            "--claimant", help="Claimant id or exact name for every draft (default: as named)."
        )
        parser.add_argument("--source-url", default="", help="The article's URL: origin citation.")

    def handle(self, *args, file: str, limit: int, min_score: float | None, **options) -> None:
        if min_score is not None and not 0.0 <= min_score <= 1.0:
            raise CommandError("--min-score is between 0 and 1.")
        text = self._read(file)
        create, claimant = options["create"], None
        user = self._user(options["user"]) if create else None
        if create and options["claimant"]:
            claimant = self._claimant(options["claimant"])

        def listed(ranked: list[Candidate]) -> list[Candidate]:
            return [c for c in ranked if c.check_worthy][:limit]

        try:
            read = intake.intake_article(
                user=user,
                text=text,
                source_url=options["source_url"],
                claimant=claimant,
                threshold=min_score,
                choose=listed if create else None,
            )
        except intake.ArticleUnavailable as error:
            raise CommandError(f"Cannot read the article: {error}") from None
        except intake.DraftsRefused as refusal:
            raise CommandError(f"No drafts were created: {refusal}") from None
        candidates = listed(read.candidates)
        if not candidates:
            self.stdout.write("No candidate claims found.")
            return
        for rank, candidate in enumerate(candidates, 1):
            self._print(rank, candidate)
        if read.published_on or read.place:
            when = read.published_on.isoformat() if read.published_on else "date not stated"
            self.stdout.write(f"Article: {when}; {read.place or 'place not stated'}")
        for claim in read.drafts:
            self.stdout.write(f"Created draft #{claim.pk}: {claim.title}")

    def _print(self, rank: int, candidate: Candidate) -> None:
        self.stdout.write(f"{rank:>2}. [{candidate.score:.2f}] {candidate.sentence}")
        if candidate.speaker:
            self.stdout.write(f"      speaker: {candidate.speaker}")
        if candidate.claimant_name:
            self.stdout.write(f"      claimant: {candidate.claimant_name}")
        elif candidate.proposed_claimant:
            proposed = candidate.proposed_claimant
            role = f" ({proposed.role})" if proposed.role else ""
            self.stdout.write(f"      new claimant? {proposed.name}{role}")
        if candidate.place:
            self.stdout.write(f"      place: {candidate.place}")
        for figure in candidate.figures:
            line = f"      figure: {figure.text} = {format_quantity(figure.value, figure.unit)}"
            if figure.approximation != "exact":
                line += f" ({figure.approximation.replace('_', ' ')})"
            if figure.period:
                line += f", {figure.period}"
            if figure.stated_change_pct is not None:
                line += f", change {figure.stated_change_pct:+}%"
                if figure.baseline_period:
                    line += f" vs {figure.baseline_period}"
            self.stdout.write(line)
        self.stdout.write(f"      why: {', '.join(candidate.reasons) or '-'}")

    def _read(self, file: str) -> str:
        if file == "-":
            return sys.stdin.read()
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None

    def _user(self, username: str | None):
        if not username:
            raise CommandError("--create needs --user (the editor the drafts are created by).")
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None

    def _claimant(self, value: str) -> Claimant:
        found = Claimant.objects.filter(pk=int(value)) if value.isdigit() else None
        if not found:
            found = Claimant.objects.filter(name__iexact=value)
        if found.count() != 1:
            raise CommandError(f"No single claimant matches {value!r}.")
        return found.get()
