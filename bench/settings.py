"""Production settings plus the bench-only URLconf (bench/urls.py: the hello-world baselines)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
