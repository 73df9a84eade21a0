"""`omniretail supply-statements [--month 2026-11 | --start D --end D] [--csv DIR]`: issue the
period's settlement statements (last month by default) and print each party's total; the
totals reconcile to the allocations of the sales, to the fen."""

from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from omniretail.ledger.units import fen_to_yuan
from omniretail.supply import settlement
from omniretail.supply.exports import statement_csv


def _last_month() -> tuple[date, date]:
    first_of_this = timezone.localdate().replace(day=1)
    end = first_of_this - timedelta(days=1)
    return end.replace(day=1), end


class Command(BaseCommand):
    help = "Issue supply settlement statements for a period and print them (optionally CSV)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--start", help="YYYY-MM-DD")
        parser.add_argument("--end", help="YYYY-MM-DD")
        parser.add_argument("--csv", help="directory to write one CSV per statement")

    def handle(self, *args, month=None, start=None, end=None, csv=None, **options):
        try:
            if start or end:
                period = date.fromisoformat(start), date.fromisoformat(end or start)
            elif month:
                first = date.fromisoformat(f"{month}-01")
                following = (first + timedelta(days=32)).replace(day=1)
                period = first, following - timedelta(days=1)
            else:
                period = _last_month()
        except (TypeError, ValueError) as exc:
            raise CommandError(f"bad period: {exc}") from exc
        statements = settlement.issue_statements(period_start=period[0], period_end=period[1])
        self.stdout.write(f"period {period[0]} .. {period[1]}: {len(statements)} statements")
        for statement in statements:
            self.stdout.write(
                f"  {statement.organization.name:<20} {statement.organization.kind:<9} "
                f"¥{fen_to_yuan(statement.total_fen):>12}  {statement.line_count:>4} shares  "
                f"{statement.status}"
            )
            if csv:
                folder = Path(csv)
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{statement.organization.code}-{statement.public_id}.csv"
                target.write_bytes(statement_csv(statement).content)
        total = sum(s.total_fen for s in statements)
        self.stdout.write(f"total ¥{fen_to_yuan(total)}")
