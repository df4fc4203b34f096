"""Check-worthiness: the trained model against the hand-set scorer, and scoring speed.

    .venv/bin/python bench/checkworthiness.py [--artefact DIR] [--cv]

Prints P/R/F1 on the check-worthy class of the dev split for the deployed model and for the
hand-set scorer (same run, same sentences), the cross-validation scores on train recorded in
the artefact's MANIFEST.json (`--cv` recomputes them: minutes), and sentences scored per
second on one core: CPU time of this process (`time.process_time`), so other load on the
machine does not count, with wall time beside it. The hand-set scorer is timed in the same run
as the baseline. Bounded: the dev split, then the first 5,000 training sentences, three times.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402

from claims.checkworthiness.cues import rule_score  # noqa: E402
from claims.checkworthiness.model import load_artefact  # noqa: E402
from claims.checkworthiness.training import (  # noqa: E402
    TrainingSettings,
    class_scores,
    evaluate,
    evaluate_rule_scorer,
    out_of_fold_scores,
    read_labelled,
)

TRAIN = "CT24_checkworthy_english_train.tsv"
DEV = "CT24_checkworthy_english_dev.tsv"
SPEED_SENTENCES, REPEATS = 5_000, 3


def timed(score, sentences) -> tuple[float, float]:
    """Best-of-REPEATS sentences per CPU second and per wall second."""
    cpu, wall = [], []
    for _ in range(REPEATS):
        c0, w0 = time.process_time(), time.perf_counter()
        score(sentences)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return len(sentences) / min(cpu), len(sentences) / min(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artefact", type=Path, default=settings.CHECKWORTHINESS_ARTEFACT_DIR)
    parser.add_argument("--cv", action="store_true", help="recompute CV F1 on train (slow)")
    args = parser.parse_args()
    data = Path(settings.CHECKWORTHINESS_DATA_DIR)
    model = load_artefact(args.artefact)
    manifest = json.loads((args.artefact / "MANIFEST.json").read_text())
    dev, train = read_labelled(data / DEV), read_labelled(data / TRAIN)

    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"dev ({len(dev.texts)} sentences), check-worthy class:")
    print(f"  {evaluate(model, dev).line('model')} threshold={model.threshold}")
    print(f"  {evaluate_rule_scorer(dev).line('rule_scorer')} threshold=0.5")
    cv = manifest["cross_validation"]
    print(f"train CV (MANIFEST.json): F1 by C {cv['f1_by_c']}, chosen {cv['chosen']}")
    if args.cv:
        from claims.checkworthiness.training import HashedTrainingSet, best_f1_threshold

        chosen = manifest["training"]
        settings_ = TrainingSettings(folds=chosen["folds"], seed=chosen["seed"])
        design = HashedTrainingSet(train.texts, settings_.features)
        oof = out_of_fold_scores(design, train.labels, chosen["chosen_c"], settings_)
        scores = class_scores(oof >= best_f1_threshold(oof, train.labels), train.labels)
        print(f"  recomputed: {scores.line('cv')}")

    sentences = train.texts[:SPEED_SENTENCES]
    model_cpu, model_wall = timed(model.probabilities, sentences)
    rules_cpu, rules_wall = timed(lambda ss: [rule_score(s) for s in ss], sentences)
    print(f"speed, {len(sentences)} sentences, best of {REPEATS}:")
    print(f"  model       {model_cpu:,.0f}/s CPU ({model_wall:,.0f}/s wall)")
    print(f"  rule_scorer {rules_cpu:,.0f}/s CPU ({rules_wall:,.0f}/s wall)")
    print(f"  ratio model/rule_scorer (CPU) {model_cpu / rules_cpu:.2f}")
    size = sum(p.stat().st_size for p in args.artefact.iterdir() if p.is_file())
    print(f"artefact {size:,} bytes; load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
