"""REST API of the editorial core, one module per resource (routes in `config.api.urls`).

- `claims`: claims with their figures, citations and corrections; workflow actions; similar.
- `figures`: figures of claims.
- `parts`: the rule for writes to a claim's parts (figures here, citations in `sources.api`).
- `claimants`: claimants with their scorecard, and the reference lists (ratings, topics).
- `exchange`: the ClaimReview DataFeed, Fact Check Tools-style search, intake.

Visibility is `Claim.objects.visible_to(user)` (published only, unless the client is an editor);
every state change goes through `claims.workflow`. Citations and sources are served by
`sources.api` (claims never imports sources); here they are read through `claim.citations`.
"""
