from django.core.management.base import BaseCommand

from demo.seed import load_demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo claims from the seed article. Safe to run repeatedly."

    def handle(self, *args, **options) -> None:
        result = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result['claims']} claims ({result['created']} new)."
            )
        )
