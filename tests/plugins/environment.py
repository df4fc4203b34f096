"""Loaded with `-p` before Django settings, so the settings module sees a test environment.

Settings refuse to start without SECRET_KEY when DEBUG is off (production must set one);
tests use a throwaway key. SOURCES_FETCH_ALLOW lets the fetcher reach local test servers.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("SOURCES_FETCH_ALLOW", "127.0.0.1,::1,localhost")
os.environ.setdefault("STATIC_MANIFEST", "0")
# Required with DEBUG off, like SECRET_KEY; Django's test client sends Host: testserver.
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The background warm-up of public pages after each change (claims/warmup.py) would render
# pages on every save with eager tasks; its own tests turn it on.
os.environ.setdefault("PUBLIC_PAGE_WARMUP", "0")
