"""Remove a user's authenticator and recovery codes (a lost phone): they set it up again at
their next sign-in. Recorded in the security log."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.services import mfa_remove


class Command(BaseCommand):
    help = "Reset a user's two-factor sign-in (lost phone); they set it up at the next sign-in."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        removed = mfa_remove(user=user, force=True)
        self.stdout.write(
            f"Two-factor sign-in of {username} reset." if removed else f"{username} had none."
        )
