"""`omniretail counter-conformance`: run the device protocol's conformance suite against a
server with a counter's credential and print PASS / FAIL / SKIP per check."""

import sys

from django.core.management.base import BaseCommand

from omniretail.counters.conformance import Conformance
from omniretail.counters.sim import CounterSim


class Command(BaseCommand):
    help = "Check a server's counter device protocol, check by check (docs/counter-protocol.md)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
        parser.add_argument("--credential", required=True, help="device token <key_id>.<secret>")
        parser.add_argument("--command-key", default="", help="hex command key: checks signatures")
        parser.add_argument(
            "--staff-token", default="", help="a staff API token: pushes a command to check"
        )
        parser.add_argument("--wait", type=int, default=2, help="long-poll seconds")
        parser.add_argument(
            "--ticket",
            default="",
            help="a repair ticket booked at this counter and checked in: checks vehicle_left",
        )
        parser.add_argument(
            "--simulator",
            action="store_true",
            help="also check the reference simulator's command verification (needs the key)",
        )

    def handle(self, *args, **options):
        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        device = None
        if options["simulator"]:
            if not options["command_key"]:
                self.stderr.write("--simulator needs --command-key")
                sys.exit(2)
            device = CounterSim(
                base_url=options["url"],
                token=options["credential"],
                command_key=options["command_key"],
                log=lambda line: None,
            )
            device.start()  # learns its code, as at power-on
        checks = Conformance(
            base_url=options["url"],
            token=options["credential"],
            command_key=options["command_key"],
            staff_token=options["staff_token"],
            wait=options["wait"],
            device=device,
            ticket=options["ticket"],
            log=log,
        ).run()
        failed = [c for c in checks if c.ok is False]
        passed = sum(1 for c in checks if c.ok)
        log(f"{passed} passed, {len(failed)} failed, {len(checks) - passed - len(failed)} skipped")
        if failed:
            sys.exit(1)
