"""Rank the sentences of an article as candidate claims; optionally keep them as drafts."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims import intake, workflow
from claims.figures import format_quantity
from claims.models import Claimant


class Command(BaseCommand):
    help = "Print the candidate claims of an article (FILE, or - for stdin), best first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="Article text file, or - to read standard input.")
        parser.add_argument("--limit", type=int, default=15, help="How many candidates (15).")
        parser.add_argument(
            "--min-score", type=float, default=0.5, help="Leave out candidates below (0.5)."
        )
        parser.add_argument(
            "--create", action="store_true", help="Keep the listed candidates as draft claims."
        )
        parser.add_argument("--user", help="Username the drafts are created by (with --create).")
        parser.add_argument(
            "--claimant", help="Claimant id or exact name for every draft (default: as named)."
        )
        parser.add_argument("--source-url", default="", help="The article's URL: origin citation.")

    def handle(self, *args, file: str, limit: int, min_score: float, **options) -> None:
        text = self._read(file)
        candidates = [c for c in intake.extract_candidates(text) if c.score >= min_score][:limit]
        if not candidates:
            self.stdout.write("No candidate claims found.")
            return
        for rank, candidate in enumerate(candidates, 1):
            self.stdout.write(f"{rank:>2}. [{candidate.score:.2f}] {candidate.sentence}")
            if candidate.speaker:
                self.stdout.write(f"      speaker: {candidate.speaker}")
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
        if options["create"]:
            self._create(candidates, text, options)

    def _read(self, file: str) -> str:
        if file == "-":
            return sys.stdin.read()
        try:
            return Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None

    def _create(self, candidates: list[intake.Candidate], text: str, options: dict) -> None:
        if not options["user"]:
            raise CommandError("--create needs --user (the editor the drafts are created by).")
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {options['user']!r}.") from None
        claimant = self._claimant(options["claimant"]) if options["claimant"] else None
        try:
            claims = intake.create_draft_claims(
                candidates,
                user,
                claimant=claimant,
                source_url=options["source_url"],
                article_text=text,
            )
        except workflow.WorkflowError as error:
            raise CommandError(f"No drafts were created: {error}") from None
        except ValidationError as error:
            raise CommandError(f"No drafts were created: {'; '.join(error.messages)}") from None
        for claim in claims:
            self.stdout.write(f"Created draft #{claim.pk}: {claim.title}")

    def _claimant(self, value: str) -> Claimant:
        found = Claimant.objects.filter(pk=int(value)) if value.isdigit() else None
        if not found:
            found = Claimant.objects.filter(name__iexact=value)
        if found.count() != 1:
            raise CommandError(f"No single claimant matches {value!r}.")
        return found.get()
