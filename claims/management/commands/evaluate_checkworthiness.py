"""Precision, recall and F1 on the check-worthy class for a CheckThat!-format TSV file.

Scores the deployed model and the hand-set scorer on the same file. The last line is for
scripts: `model f1=0.734 precision=0.710 recall=0.760 n=341` (the model, at the threshold used).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.checkworthiness.model import ArtefactError, load_artefact
from claims.checkworthiness.training import (
    RULE_THRESHOLD,
    LabelledDataError,
    evaluate,
    evaluate_rule_scorer,
    read_labelled,
)


class Command(BaseCommand):
    help = "P/R/F1 on the check-worthy class of FILE.tsv, for the model and the hand-set scorer."
    requires_system_checks: list[
        str
    ] = []  # --artefact may name another model than the deployed one

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="TSV with Sentence_id, Text, class_label.")
        parser.add_argument(
            "--threshold",
            type=float,
            default=None,
            help="Probability at or above which a sentence counts as check-worthy "
            "(default: the model's, chosen by cross-validation).",
        )
        parser.add_argument(
            "--artefact",
            type=Path,
            default=Path(settings.CHECKWORTHINESS_ARTEFACT_DIR),
            help="Model folder (default CHECKWORTHINESS_ARTEFACT_DIR).",
        )

    def handle(self, *args, file: Path, threshold: float | None, artefact: Path, **options) -> None:
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise CommandError("--threshold is a probability between 0 and 1.")
        try:
            model = load_artefact(artefact)
            data = read_labelled(file)
        except (ArtefactError, LabelledDataError) as error:
            raise CommandError(str(error)) from None
        used = model.threshold if threshold is None else threshold
        if data.skipped:
            self.stdout.write(f"skipped {data.skipped} malformed rows")
        rules = evaluate_rule_scorer(data)
        self.stdout.write(f"{rules.line('rule_scorer')} threshold={RULE_THRESHOLD}")
        self.stdout.write(f"threshold={used:.4f}")
        self.stdout.write(evaluate(model, data, used).line("model"))
