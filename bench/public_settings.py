"""Production settings plus the bench-only URLconf (a bare hello-world view for the baseline)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.public_urls"
