"""`omniretail rotate-signing-key`: add a key to the ring that signs packaging codes and share
links. Every earlier key keeps verifying, so nothing printed or shared stops working; the new
key signs once every process has read it. Prints the key id, never the secret."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from omniretail.core import signing


class Command(BaseCommand):
    help = "Add a signing key for packaging codes and share links (old keys keep verifying)."

    def handle(self, *args, **options):
        key = signing.add_signing_key()
        at = timezone.localtime(key.signs_from).strftime("%Y-%m-%d %H:%M:%S %Z")
        self.stdout.write(f"added signing key {key.kid}; it signs new codes and links from {at}")
