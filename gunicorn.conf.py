"""gunicorn reads this file from its working directory by itself (the repository root here,
/app in the image).

Django alone decides whether a request came over HTTPS: it believes X-Forwarded-Proto only
when PROXY_COUNT > 0 (SECURE_PROXY_SSL_HEADER, config/settings.py). gunicorn would otherwise
believe that header (and X-Forwarded-SSL/-Protocol) itself from any peer in
forwarded_allow_ips (127.0.0.1 by default), so a client on the same host could claim HTTPS.
"""

secure_scheme_headers: dict[str, str] = {}
