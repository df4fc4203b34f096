"""Train the check-worthiness model from CheckThat! TSV files and write its artefact."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.checkworthiness.features import FeatureSettings
from claims.checkworthiness.loading import forget_loaded_models
from claims.checkworthiness.manifest import build_artefact
from claims.checkworthiness.training import LabelledDataError, TrainingSettings

TRAIN_FILE = "CT24_checkworthy_english_train.tsv"
DEV_FILE = "CT24_checkworthy_english_dev.tsv"


class Command(BaseCommand):
    help = (
        "Train the check-worthiness model (C chosen by cross-validation on the training file; "
        "the dev file is only scored) and write it with its MANIFEST.json and README.md."
    )
    # The start-up check would refuse to run without the very artefact this command makes.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        data = Path(settings.CHECKWORTHINESS_DATA_DIR)
        parser.add_argument("--train", type=Path, default=data / TRAIN_FILE, help="Training TSV.")
        parser.add_argument(
            "--dev", type=Path, default=data / DEV_FILE, help="Dev TSV, scored only ('' = none)."
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.CHECKWORTHINESS_ARTEFACT_DIR),
            help="Artefact folder (default CHECKWORTHINESS_ARTEFACT_DIR).",
        )
        parser.add_argument(
            "--c-grid", default="0.5,1,2", help="Regularisation values tried by CV (0.5,1,2)."
        )
        parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds (5).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the fold split (0).")
        parser.add_argument("--hash-bits", type=int, default=18, help="2**bits columns (18).")

    def handle(self, *args, train: Path, dev: Path, output: Path, **options) -> None:
        try:
            grid = tuple(float(value) for value in options["c_grid"].split(","))
        except ValueError:
            raise CommandError("--c-grid takes numbers separated by commas, e.g. 0.5,1,2") from None
        if (
            not grid
            or min(grid) <= 0
            or options["folds"] < 2
            or not 10 <= options["hash_bits"] <= 24
        ):
            raise CommandError("C values must be positive, --folds >= 2, --hash-bits 10..24.")
        training = TrainingSettings(
            features=FeatureSettings(hash_bits=options["hash_bits"]),
            c_grid=grid,
            folds=options["folds"],
            seed=options["seed"],
        )
        dev_path = dev if str(dev) not in ("", ".") else None
        command = (
            f"manage.py train_checkworthiness --train {train.name} "
            + (f"--dev {dev_path.name} " if dev_path else "--dev '' ")
            + f"--c-grid {options['c_grid']} --folds {training.folds} --seed {training.seed} "
            f"--hash-bits {options['hash_bits']}"
        )
        try:
            manifest = build_artefact(
                train, output, settings=training, dev_path=dev_path, command=command
            )
        except LabelledDataError as error:
            raise CommandError(str(error)) from None
        forget_loaded_models()
        cv = manifest["cross_validation"]
        self.stdout.write(f"C by CV F1: {cv['f1_by_c']}; chosen {manifest['training']['chosen_c']}")
        self.stdout.write(f"threshold {manifest['training']['threshold']}")
        self.stdout.write(f"cv f1={cv['chosen']['f1']:.3f} (train, out-of-fold)")
        for name, scores in manifest["dev"].items():
            self.stdout.write(
                f"dev {name} f1={scores['f1']:.3f} precision={scores['precision']:.3f} recall={scores['recall']:.3f}"
            )
        self.stdout.write(f"Wrote {output}")
