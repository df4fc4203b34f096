"""The process's one copy of the model, and the start-up check that it can be loaded.

`default_model()` loads the artefact named by CHECKWORTHINESS_ARTEFACT_DIR once per process.
The system check `claims.E101` runs it at start-up (runserver, migrate, `check --deploy`),
so a missing or damaged artefact stops the service with a message instead of scoring wrong.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core import checks

from claims.checkworthiness.model import ArtefactError, CheckworthinessModel, load_artefact


def artefact_dir() -> Path:
    """Where the deployed model lives (CHECKWORTHINESS_ARTEFACT_DIR)."""
    return Path(settings.CHECKWORTHINESS_ARTEFACT_DIR)


@lru_cache(maxsize=4)
def _model_at(directory: Path) -> CheckworthinessModel:
    return load_artefact(directory)


def default_model() -> CheckworthinessModel:
    """The deployed model, loaded on first use and kept; ArtefactError if it cannot be."""
    return _model_at(artefact_dir())


def forget_loaded_models() -> None:
    """Drop the loaded models (after retraining into the deployed directory)."""
    _model_at.cache_clear()


def check_artefact(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: the deployed model loads."""
    try:
        default_model()
    except ArtefactError as error:
        return [
            checks.Error(
                f"The check-worthiness model cannot be loaded: {error}",
                hint="Restore claims/checkworthiness/artefact/ from git, or retrain with "
                "`manage.py train_checkworthiness`; CHECKWORTHINESS_ARTEFACT_DIR names the folder.",
                id="claims.E101",
            )
        ]
    return []
