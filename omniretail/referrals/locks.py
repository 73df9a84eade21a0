"""The one lock helper of referrals. Crediting, reversing and releasing an attribution, and
ranking a reseller's commissions within the month, each lock their rows in primary-key
order, so two sweeps (or a sweep and a refund) never act on the same row twice and never
deadlock on each other. Balances need no lock: the ledger refuses overdrafts itself."""

from django.db.models import QuerySet


def lock_in_pk_order(rows: QuerySet) -> list:
    return list(rows.select_for_update().order_by("pk"))
