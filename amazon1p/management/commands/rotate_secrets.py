from django.core.management.base import BaseCommand

from amazon1p import crypto
from amazon1p.connection.services import secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored LWA secret with the first key of SECRETS_ENCRYPTION_KEYS. "
        "Rotation: prepend a new key (--new-key makes one), run this, then drop the old key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--new-key", action="store_true", help="print a new Fernet key and exit"
        )

    def handle(self, *args, new_key: bool, **options) -> None:
        if new_key:
            self.stdout.write(crypto.new_key())
            return
        count = secrets_rotate()
        self.stdout.write(self.style.SUCCESS(f"{count} secret(s) now use the newest key."))
