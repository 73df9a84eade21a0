"""`omniretail verify-draw <group id>...` (or `--campaign <id>`): recompute drawn groups from
their public proof only (the campaign's rules, commitment, revealed seed, frozen member list
and the members' values) and say whether the published winners are the ones the draw gives.
A group not drawn yet (or never formed) counts as failed, with the reason."""

from django.core.management.base import BaseCommand, CommandError

from omniretail.core.errors import Conflict, NotFound
from omniretail.groupbuy import draw, selectors


class Command(BaseCommand):
    help = "Recompute group-buy draws from their public proofs."

    def add_arguments(self, parser):
        parser.add_argument("groups", nargs="*", help="group ids")
        parser.add_argument("--campaign", help="every drawn group of this campaign")

    def handle(self, *args, groups, campaign, **options):
        try:
            rows = [selectors.public_group(g) for g in groups]
            if campaign:
                drawn = selectors.groups_with_proofs(selectors.public_campaign(campaign))
                rows += list(drawn.filter(drawn_at__isnull=False))
        except NotFound as exc:
            raise CommandError(str(exc.message)) from exc
        if not rows:
            raise CommandError("give group ids or --campaign")
        failed = 0
        for group in rows:
            try:
                problems = draw.verify(selectors.proof(group))
            except Conflict as exc:
                problems = [f"{exc.code}: {exc.message}"]
            failed += bool(problems)
            verdict = self.style.SUCCESS("OK ") if not problems else self.style.ERROR("BAD")
            self.stdout.write(f"{verdict} group {group.public_id} #{group.number}: {group.winners}")
            for problem in problems:
                self.stdout.write(f"    {problem}")
        self.stdout.write(f"{len(rows) - failed} verified, {failed} failed")
        if failed:
            raise CommandError("some draws do not verify")
