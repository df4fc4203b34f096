"""Check sources now, in this process: `checksources --due`, `--all` or `checksources 12 15`."""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from sources import scheduling
from sources.checking import check_source
from sources.models import Source


class Command(BaseCommand):
    help = "Check sources in this process (no worker needed) and print a summary by outcome."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source_ids", nargs="*", type=int, help="ids of the sources to check")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--all", action="store_true", help="every monitored source")
        group.add_argument("--due", action="store_true", help="the sources whose check is due")
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    def handle(self, *args, **options) -> None:
        ids = self._select(options)
        outcomes: Counter[str] = Counter()
        for source_id in tqdm(
            ids, desc="Checking sources", unit="source", disable=options["no_progress"] or not ids
        ):
            outcomes[self._check(source_id)] += 1
        self.stdout.write(f"Checked {len(ids)} source(s).")
        for outcome, count in sorted(outcomes.items()):
            self.stdout.write(f"  {outcome}: {count}")

    def _select(self, options) -> list[int]:
        if options["source_ids"] and (options["all"] or options["due"]):
            raise CommandError("Give source ids, or --all, or --due, not several.")
        if options["source_ids"]:
            ids = list(options["source_ids"])
            known = set(Source.objects.filter(pk__in=ids).values_list("pk", flat=True))
            unknown = sorted(set(ids) - known)
            if unknown:
                raise CommandError(f"No source with id {', '.join(map(str, unknown))}.")
            return ids
        if options["all"]:
            return list(
                Source.objects.filter(monitoring_enabled=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        if options["due"]:
            # Claimed like the dispatcher does, so a running beat does not check them twice.
            return scheduling.claim_due_sources(timezone.now(), limit=10**9)
        raise CommandError("Say which sources: ids, --all or --due.")

    def _check(self, source_id: int) -> str:
        try:
            check = check_source(source_id, polite=True)
        except scheduling.HostBusy:
            return "skipped (host busy)"
        return check.outcome if check else "deleted"
