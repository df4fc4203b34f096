"""Production settings plus bench/load_urls.py (a bare hello-world view: the p99 baseline)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
