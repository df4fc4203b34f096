"""Check-worthiness: how likely a fact-checker is to want a sentence checked, and why.

- `cues`: what the first, hand-set scorer looked for (figures, comparisons, attribution...),
  as reasons and as model features; `rule_score` is that scorer, kept as the baseline;
- `features`: hashed word and character n-grams plus the cues, TF-IDF weighted;
- `model`: the linear model, its calibrated probability, its reasons, its artefact on disk;
- `training`: cross-validated training and P/R/F1 on CheckThat!-format files;
- `manifest`: the record written beside the artefact (command, data hashes, scores);
- `loading`: the process's one loaded model and the start-up check.

The committed artefact is in `artefact/` (see its README.md).
"""

from claims.checkworthiness.loading import default_model
from claims.checkworthiness.model import ArtefactError, CheckworthinessModel, Reason

__all__ = ["ArtefactError", "CheckworthinessModel", "Reason", "default_model"]
