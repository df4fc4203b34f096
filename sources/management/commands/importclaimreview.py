"""Import ClaimReview JSON from a file: one ClaimReview, a list of them, or a DataFeed.

The import acts as --user: a reviewer's import is published, an editor's becomes drafts
(see sources/claimreview_import.py). Lives in `sources` because it writes origin sources.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from claims.claimreview import ClaimReviewError
from claims.workflow import NotAllowed
from sources.claimreview_import import import_claim_reviews


class Command(BaseCommand):
    help = "Import ClaimReview JSON (a ClaimReview, a list, or a schema.org DataFeed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="JSON file, or - for standard input.")
        parser.add_argument(
            "--user",
            required=True,
            help="Username to import as (editor: drafts; reviewer: published).",
        )
        parser.add_argument("--report", help="Write the full per-item report to this JSON file.")

    def handle(self, *args, file: str, user: str, report: str | None, **options) -> None:
        try:
            importer = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
            payload = json.loads(text)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{file} is not JSON: {error}") from None
        try:
            result = import_claim_reviews(payload, importer)
        except (ClaimReviewError, NotAllowed) as error:
            raise CommandError(str(error)) from None
        summary = result.as_dict()
        for item in summary["items"]:
            if item["status"] == "rejected":
                self.stderr.write(f"item {item['index']}: rejected: {'; '.join(item['errors'])}")
            for warning in item["warnings"]:
                self.stderr.write(f"item {item['index']}: warning: {warning}")
        if report:
            Path(report).write_text(json.dumps(summary, indent=2), encoding="utf-8")
        self.stdout.write(
            "{total} items: {created} created, {updated} updated, {unchanged} unchanged, "
            "{rejected} rejected.".format(**summary)
        )
