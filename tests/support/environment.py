"""What the suite needs from the machine, and what it does when something is missing.

Locally a test whose dependency is missing (Redis, Chromium, the shared corpus...) is skipped.
CI sets CLAIMWATCH_REQUIRE_SERVICES=1: there every dependency must be present, so the same test
fails instead of skipping quietly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def services_required() -> bool:
    return os.environ.get("CLAIMWATCH_REQUIRE_SERVICES") == "1"


def missing_dependency(reason: str) -> None:
    """Skip locally; fail in CI, where every dependency must be present."""
    if services_required():
        pytest.fail(f"CI requires it: {reason}")
    pytest.skip(reason)


def shared_path(name: str) -> Path:
    """`name` in the data shared beside the repository: $CLAIMWATCH_SHARED_DIR if set, else
    the nearest `shared/` folder above the repository (../shared for a checkout, ../../shared
    for a worktree one folder further down). The path is returned even when it is absent."""
    if os.environ.get("CLAIMWATCH_SHARED_DIR"):
        return Path(os.environ["CLAIMWATCH_SHARED_DIR"]) / name
    candidates = [parent / "shared" / name for parent in REPO.parents]
    return next((path for path in candidates if path.exists()), candidates[0])


def require_shared(name: str) -> Path:
    """The shared file or folder `name`; skips the test (fails it in CI) when it is absent."""
    path = shared_path(name)
    if not path.exists():
        missing_dependency(f"{name} is not at {path} (set CLAIMWATCH_SHARED_DIR)")
    return path
