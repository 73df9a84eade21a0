"""`omniretail counter-sim`: run a software counter against a server over HTTP."""

import json
import sys

from django.core.management.base import BaseCommand

from omniretail.counters.sim import CounterSim


class Command(BaseCommand):
    help = "Simulate a smart counter: heartbeats, long-polled signed commands, door events."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
        parser.add_argument("--credential", help="device token <key_id>.<secret>")
        parser.add_argument("--command-key", help="hex command-signing key")
        parser.add_argument(
            "--credentials-file", help="JSON with token and command_key (as issued)"
        )
        parser.add_argument("--state", help="file keeping sequence number, bays and nonces")
        parser.add_argument("--control", help="JSON file re-read each loop (offline, take, ...)")
        parser.add_argument("--interval", type=float, default=10.0, help="heartbeat seconds")
        parser.add_argument("--wait", type=int, default=2, help="long-poll seconds")
        parser.add_argument("--seconds", type=float, default=None, help="stop after this long")

    def handle(self, *args, **options):
        token, key = options["credential"], options["command_key"]
        if options["credentials_file"]:
            with open(options["credentials_file"]) as fh:
                issued = json.load(fh)
            token, key = issued["token"], issued["command_key"]
        if not token or not key:
            self.stderr.write("give --credential and --command-key, or --credentials-file")
            sys.exit(2)

        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        CounterSim(
            base_url=options["url"],
            token=token,
            command_key=key,
            state_path=options["state"],
            control_path=options["control"],
            log=log,
        ).run(interval=options["interval"], wait=options["wait"], seconds=options["seconds"])
