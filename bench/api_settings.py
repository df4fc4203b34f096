"""Production settings plus the bench-only URLconf with a hello-world DRF view (the baseline)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
