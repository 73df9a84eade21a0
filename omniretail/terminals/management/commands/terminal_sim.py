"""`omniretail terminal-sim`: a reference card terminal against a server over HTTP."""

from decimal import Decimal

from django.core.management.base import BaseCommand

from omniretail.terminals.sim import TerminalSim


class Command(BaseCommand):
    help = "Simulate a card/NFC payment terminal: fetch jobs, read a card, report outcomes."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
        parser.add_argument("--credential", required=True, help="<key_id>.<secret> as issued")
        parser.add_argument("--card", default="6222021234567890", help="the card number read")
        parser.add_argument("--scheme", default="UnionPay", help="the card's scheme")
        parser.add_argument("--decline-above", type=Decimal, help="decline amounts above this")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args, **options):
        TerminalSim(
            options["url"],
            options["credential"],
            card=options["card"],
            scheme=options["scheme"],
            decline_above=options["decline_above"],
            log=self.stdout.write,
        ).run(interval=options["interval"], seconds=options["seconds"])
