"""Issue 22: the rows written on every checkout, payment, join, posting and share click carry
no varchar_pattern_ops index (core.schema.drop_like_indexes): nothing searches them by
prefix, and each would be written on every INSERT."""

import pytest
from django.db import connection

HOT_TABLES = [
    "groupbuy_member",
    "orders_order",
    "orders_orderline",
    "payments_paymentintent",
    "inventory_reservation",
    "inventory_stockmovement",
    "core_outboxevent",
    "ledger_posting",
    "notifications_notification",
    "referrals_sharevisit",
]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_hot_tables_have_no_pattern_ops_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexdef LIKE '%%pattern_ops%%'",
            [HOT_TABLES],
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders_order'")
        assert cursor.fetchone()[0] > 5  # the real indexes are still there
