"""`omniretail reconcile --date 2026-12-04 [--provider wechatpay]`: match providers'
statements of a day against our payments and refunds, and print the differences."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from omniretail.payments import providers, statements


class Command(BaseCommand):
    help = "reconcile providers' daily statements (对账) against payments and refunds"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the statement day, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--provider", action="append", help="only this provider (repeatable)")

    def handle(self, *args, **options):
        try:
            day = (
                date.fromisoformat(options["date"])
                if options["date"]
                else timezone.now().astimezone(statements.CHINA).date() - timedelta(days=1)
            )
        except ValueError:
            raise CommandError(f"not a date (YYYY-MM-DD): {options['date']!r}") from None
        names = options["provider"] or [p.name for p in providers.enabled()]
        unknown = [n for n in names if not providers.is_enabled(n)]
        if unknown:
            raise CommandError(f"not an enabled payment provider: {', '.join(unknown)}")
        differences = 0
        for name in names:
            run = statements.reconcile_day(provider=name, day=day)
            if run.error:
                self.stdout.write(f"{name} {day}: no statement ({run.error})")
                continue
            found = run.mismatches.count()
            differences += found
            self.stdout.write(
                f"{name} {day}: {run.statement_lines} lines, {run.matched} matched, "
                f"{found} differences"
            )
            for m in run.mismatches.all():
                self.stdout.write(
                    f"  {m.kind:8} intent={m.intent_id} refund={m.refund_id or '-'} "
                    f"ours={m.ours if m.ours is not None else '-'} "
                    f"theirs={m.theirs if m.theirs is not None else '-'}"
                )
        if differences:
            raise SystemExit(1)
