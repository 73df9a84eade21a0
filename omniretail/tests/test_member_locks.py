"""A checkout locks its shopper's row, so that one member's parallel checkouts count their
unpaid orders one at a time (the points mall's redemptions, sample claims and real-name
checks likewise). Rows that merely point at the member (the paid order's
notification, a points award, a ledger account) check that reference when they commit, and
must not wait for that lock: the worker paying the member's last order (stock committed
first, then a notification to the member) and the member's next checkout (member first,
then stock) took the two in opposite orders, and PostgreSQL killed one of them (a deadlock
and an HTTP 500 on 提交订单 in bench/checkout_http.py)."""

import threading

import pytest
from django.db import connection, transaction

from omniretail.notifications.models import Notification
from omniretail.orders import services as orders
from omniretail.pointsmall import services as pointsmall

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


LOCKS = {
    "checkout": lambda member: orders._limit_unpaid(member, []),  # the lock, then the count
    "points mall": pointsmall._lock_member,
}


@pytest.mark.parametrize("lock", LOCKS)
def test_a_member_s_lock_lets_a_notification_to_the_member_commit(shopper, lock):
    locked, finish = threading.Event(), threading.Event()

    def locking():
        try:
            with transaction.atomic():
                LOCKS[lock](shopper)
                locked.set()
                finish.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=locking)
    holder.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            Notification.objects.create(user=shopper, title="订单已付款", body="您的订单已付款。")
    finally:
        finish.set()
        holder.join()

    assert Notification.objects.filter(user=shopper).count() == 1
