"""DRF plumbing every API resource shares: the error format and its handler, conditional GET,
body limits, the default permission, cursor pagination and schema helpers.

Nothing here knows an app: the resources live in `claims.api` and `sources.api`, the routes in
`config.api.urls`, and the domain errors the handler translates are named in settings
(`API_EXCEPTION_TRANSLATIONS`).
"""
