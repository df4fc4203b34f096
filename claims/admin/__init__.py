"""The editors' admin for claims: importing this package registers every claims model once.

- `claims.py`: ClaimAdmin (inlines, workflow actions), Figure, Correction and ClaimEvent.
- `reference.py`: claimants, topics, the rating scale and its aliases.
- `repeats.py`: the repeat link and "Similar claims" on the claim page.
- `intake.py`: the claims half of the "Intake from article" screen (form, rows, page).

Claims may not import sources, yet the claim page shows citations and the intake screen
fetches and cites articles. Two extension points keep the dependency one-way, with no
unregister/re-register of the Claim admin:

1. `add_claim_inline(inline)`: an app that builds on claims adds an inline to the claim page
   (shown after the figures) when its admin module is imported; sources.admin adds the
   citations this way. The inlines live in `ClaimAdmin.extra_inlines`.
2. Screens that need another app's services are that app's views, routed in config/urls.py
   ahead of `admin.site.urls` under the claim admin's address: the intake screen is
   `sources.admin.claim_intake_view` at admin/claims/claim/intake/ (URL name
   "admin_claim_intake"), drawn with `claims.admin.intake.intake_page`.
"""

# Importing the modules registers their admins (Django's autodiscover imports this package).
from claims.admin import reference  # noqa: F401
from claims.admin.claims import ClaimAdmin, add_claim_inline

__all__ = ["ClaimAdmin", "add_claim_inline"]
