import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, group, is_superuser
    ("admin", None, True),
    ("reviewer", "Reviewers", False),
    ("editor", "Editors", False),
]


class Command(BaseCommand):
    help = "Migrate, load the demo data, create demo logins, print them and serve the app."

    def add_arguments(self, parser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Set up and print, do not serve."
        )
        parser.add_argument("--password", help="Password for the demo users (default: random).")

    def handle(self, *args, addrport: str, no_serve: bool, password: str | None, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("loaddemo")
        password = password or secrets.token_urlsafe(12)
        User = get_user_model()
        for username, group, is_superuser in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.is_superuser = is_superuser
            user.set_password(password)
            user.save()
            if group:
                user.groups.set([Group.objects.get(name=group)])
        base = f"http://{addrport}"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Claimwatch demo is ready."))
        self.stdout.write(f"  Public site: {base}/")
        self.stdout.write(f"  Admin:       {base}/admin/")
        self.stdout.write(f"  Logins:      admin / reviewer / editor, password: {password}")
        self.stdout.write("")
        if not no_serve:
            call_command("runserver", addrport, use_reloader=False)
