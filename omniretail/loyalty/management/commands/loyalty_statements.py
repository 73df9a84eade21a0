"""`omniretail loyalty-statements --month 2026-05`: build (or show) every merchant's
settlement statement for an ended month, check each against the ledger, and say which are
settled (the platform settles them on /ops/finance/points-statements/)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from omniretail.core.errors import DomainError
from omniretail.loyalty import settlement


class Command(BaseCommand):
    help = "Build and verify the monthly points settlement statements between merchants."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM, a month that has ended")

    def handle(self, *args, month: str, **options):
        try:
            first = datetime.strptime(month, "%Y-%m").date()
        except ValueError as exc:
            raise CommandError("--month must look like 2026-05") from exc
        try:
            statements = settlement.build_month(first)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        for statement in statements:
            self.stdout.write(
                f"{statement.org.name}\t{statement.month:%Y-%m}\t{statement.net_points} pts\t"
                f"¥{statement.net_yuan}\t{statement.digest[:12]}\t{statement.status}"
            )
