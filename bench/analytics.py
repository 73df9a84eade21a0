"""Analytics roll-ups at scale (issue 20), PostgreSQL only: BENCH_ANALYTICS_LINES order lines
(1,000,000) over the last 12 months, generated with set-based SQL (generate_series) across
3 merchants x 3 stores, 24 SKUs and 2,000 shoppers, with a channel mix (delivery 45 %,
pickup 25 %, till 25 %, counter 5 %), 3 % orders cancelled unpaid, 4 % fully and 2 % partly
refunded a few hours to days after the sale. Then:

* build: the scheduler's job (`rollup_changes`) building every day from nothing;
* incremental: 1,000 new paid orders today, then `rollup_changes` again (what the
  scheduler runs next);
* pages: each dashboard's server time (Django's test Client in-process, signed in as the
  role that reads it, no network), BENCH_ANALYTICS_REQUESTS (20) requests each, over the
  default range (30 days) and a 12-month range;
* bound: the figures the same page shows (totals of the period and the one before it,
  channel mix, ranking, daily series, products), computed by one SQL over the raw orders,
  order lines and refunds of that range, timed the same way. The ratio is bound p95 / page
  p95: above 1 the page reading the roll-ups (rendering included) beats the bare query.

The 12-month totals of the roll-ups are checked against the raw rows ("totals equal").
The load average is printed before each measure; when a page and its bound ran under very
different load, the ratio is not printed (bench/http.py's rule).

    DATABASE_URL=postgres://... python -m bench.analytics

Environment: BENCH_ANALYTICS_LINES (1000000), BENCH_ANALYTICS_REQUESTS (20).
"""

import os
import time
from datetime import datetime, timedelta

from bench.common import (
    django_database,
    header,
    like_other_work,
    measured,
    percentile,
    print_table,
)

LINES = int(os.environ.get("BENCH_ANALYTICS_LINES", "1000000"))
REQUESTS = int(os.environ.get("BENCH_ANALYTICS_REQUESTS", "20"))
NEW_ORDERS = 1000
MERCHANTS, STORES, SKUS, SHOPPERS = 3, 3, 24, 2000
TZ = "Asia/Shanghai"  # settings.TIME_ZONE: the roll-ups' local day


# a stream of pseudo-random integers in [0, 2^31) per row, `salt` picking the stream
# (SQL `mod`, not `%`, which the driver reads as a parameter)
def _u(i: str, salt: int, mod: int | str) -> str:
    return f"mod(hashint4(({i})::int * 31 + {salt})::bigint & 2147483647, {mod})"


def _orders_in(lines: int) -> int:
    """Orders carry 1, 2, 3, 4 lines in turn: 4 orders per 10 lines."""
    rest = lines % 10
    return 4 * (lines // 10) + sum(1 for first in (0, 1, 3, 6) if rest > first)


def _world() -> dict:
    """The platform, a producer owning SKUS SKUs, MERCHANTS merchants with STORES stores each
    (their owners), and SHOPPERS shoppers who joined over the year."""
    from bench.common import BenchShop
    from omniretail.accounts import services as accounts
    from omniretail.accounts.models import User
    from omniretail.inventory import services as inventory
    from omniretail.stores import services as stores

    shop = BenchShop()
    skus = [
        shop.sku(name=f"商品{n:02d}", code=f"BA{n:02d}", price=f"{9 + (n * 7) % 90}.90")
        for n in range(SKUS)
    ]
    merchants = [(shop.merchant, shop.owner, [shop.store])]
    for m in range(1, MERCHANTS):
        org = accounts.create_organization(kind="merchant", name=f"商家{m}", code=f"shop{m}")
        owner = accounts.create_staff(
            username=f"owner{m}", password="Bench-pass-2026", organization=org, role="owner"
        )
        merchants.append((org, owner, []))
    for org, owner, own in merchants:
        while len(own) < STORES:
            own.append(
                stores.create_store(
                    actor=owner,
                    merchant=org,
                    name=f"{org.name}门店{len(own)}",
                    address="杭州",
                    lat=30.2 + len(own) / 100,
                    lon=120.1,
                )
            )
    User.objects.bulk_create(
        User(username=f"shopper{n}", phone=f"1380000{n:04d}") for n in range(SHOPPERS)
    )
    all_stores = [s for _, _, own in merchants for s in own]
    return {
        "shop": shop,
        "merchant": shop.merchant,
        "store": shop.store,
        "store_ids": [s.pk for s in all_stores],
        "merchant_ids": [s.merchant_id for s in all_stores],
        "location_ids": [inventory.location_for_store(s).pk for s in all_stores],
        "sku_ids": [s.pk for s in skus],
        "prices": [str(s.price) for s in skus],
        "product_names": [s.product.name for s in skus],
        "sku_names": [s.name for s in skus],
        "shopper_ids": list(
            User.objects.filter(username__startswith="shopper").values_list("pk", flat=True)
        ),
    }


def _insert(cur, world: dict, *, first: int, lines: int, paid_at: str, params: dict) -> int:
    """Orders (ids first..) with their `lines` lines, totals, refunds and the refunds'
    payment intents, in a few INSERT ... SELECT. `paid_at` is the SQL of order i's payment
    time. Returns the number of orders."""
    orders = _orders_in(lines)
    p = {
        **params,
        "first": first,
        "orders": orders,
        "lines": lines,
        "stores": world["store_ids"],
        "merchants": world["merchant_ids"],
        "locations": world["location_ids"],
        "skus": world["sku_ids"],
        "prices": world["prices"],
        "pnames": world["product_names"],
        "snames": world["sku_names"],
        "shoppers": world["shopper_ids"],
        "nstores": len(world["store_ids"]),
        "nskus": len(world["sku_ids"]),
        "nshoppers": len(world["shopper_ids"]),
    }
    i = "g.i"
    status = (
        f"CASE WHEN {_u(i, 2, 100)} < 3 THEN 'cancelled' WHEN {_u(i, 2, 100)} < 7"
        " THEN 'refunded' ELSE 'completed' END"
    )
    if params.get("all_paid"):
        status = "'completed'"
    cur.execute(
        f"""
        INSERT INTO orders_order (id, public_id, number, shopper_id, merchant_id, store_id,
          location_id, fulfilment, status, delivery_address, subtotal, discount_total,
          discount_lines, delivery_fee, total, amount_refunded, payment_provider,
          payment_intent_id, paid_at, completed_at, note, created_at, updated_at)
        SELECT %(first)s + i, upper(substr(md5('o' || (%(first)s + i)), 1, 26)),
          'BA' || lpad((%(first)s + i)::text, 14, '0'),
          CASE WHEN fulfilment = 'in_store' AND mod(u, 2) = 0 THEN NULL
            ELSE (%(shoppers)s::int[])[mod(u, %(nshoppers)s) + 1] END,
          (%(merchants)s::int[])[s], (%(stores)s::int[])[s], (%(locations)s::int[])[s],
          fulfilment, status, '{{}}', 0, 0, '[]',
          CASE WHEN fulfilment = 'delivery' THEN 5 ELSE 0 END, 0, 0, 'balance', '',
          CASE WHEN status = 'cancelled' THEN NULL ELSE paid END,
          CASE WHEN status = 'completed' THEN paid + interval '1 hour' END, '',
          paid - interval '2 minutes',
          CASE WHEN status = 'cancelled' THEN paid + interval '13 minutes' ELSE paid END
        FROM (
          SELECT i, {_u(i, 1, "%(nstores)s")} + 1 AS s, {_u(i, 3, 2147483647)} AS u,
            CASE WHEN {_u(i, 4, 100)} < 45 THEN 'delivery'
              WHEN {_u(i, 4, 100)} < 70 THEN 'pickup'
              WHEN {_u(i, 4, 100)} < 95 THEN 'in_store' ELSE 'counter' END AS fulfilment,
            {status} AS status, {paid_at} AS paid
          FROM generate_series(0, %(orders)s - 1) AS g(i)
        ) AS x
        """,
        p,
    )
    n = "g.n"
    cur.execute(
        f"""
        INSERT INTO orders_orderline (public_id, order_id, sku_id, product_name, sku_name,
          unit_price, quantity, line_total, quantity_returned)
        SELECT upper(substr(md5('l' || (%(first)s + o) || ':' || n), 1, 26)), %(first)s + o,
          (%(skus)s::int[])[k], (%(pnames)s::text[])[k], (%(snames)s::text[])[k],
          (%(prices)s::numeric[])[k], q, (%(prices)s::numeric[])[k] * q, 0
        FROM (
          SELECT n, 4 * (n / 10) + CASE WHEN mod(n, 10) < 1 THEN 0 WHEN mod(n, 10) < 3 THEN 1
              WHEN mod(n, 10) < 6 THEN 2 ELSE 3 END AS o,
            {_u(n, 5, "%(nskus)s")} + 1 AS k, 1 + {_u(n, 6, 3)} AS q
          FROM generate_series(0, %(lines)s - 1) AS g(n)
        ) AS x
        """,
        p,
    )
    cur.execute(
        """
        UPDATE orders_order o SET subtotal = l.sum, total = l.sum + o.delivery_fee
        FROM (SELECT order_id, sum(line_total) AS sum FROM orders_orderline
              WHERE order_id >= %(first)s GROUP BY order_id) AS l
        WHERE o.id = l.order_id
        """,
        p,
    )
    # 2 % of the completed orders get their first line back (a partial refund)
    cur.execute(
        f"""
        WITH partial AS (
          SELECT o.id, min(l.id) AS line FROM orders_order o
          JOIN orders_orderline l ON l.order_id = o.id
          WHERE o.id >= %(first)s AND o.status = 'completed' AND {_u("o.id", 7, 100)} < 2
          GROUP BY o.id
        ), returned AS (
          UPDATE orders_orderline l SET quantity_returned = l.quantity
          FROM partial WHERE l.id = partial.line
          RETURNING l.order_id, l.line_total
        )
        UPDATE orders_order o SET amount_refunded = r.line_total
        FROM returned r WHERE o.id = r.order_id
        """,
        p,
    )
    cur.execute(
        """
        WITH refunded AS (
          UPDATE orders_order SET amount_refunded = total
          WHERE id >= %(first)s AND status = 'refunded' RETURNING id
        )
        UPDATE orders_orderline l SET quantity_returned = l.quantity
        FROM refunded WHERE l.order_id = refunded.id
        """,
        p,
    )
    # the refund succeeded 1..72 hours after the sale, never after now
    cur.execute(
        f"""
        INSERT INTO payments_paymentintent (public_id, purpose, reference, payee_id, amount,
          amount_refunded, currency, provider, status, provider_reference, paid_at,
          failure_reason, request_fingerprint, created_at, updated_at)
        SELECT upper(substr(md5('p' || o.id), 1, 26)), 'order', o.public_id, o.merchant_id,
          o.total, o.amount_refunded, 'CNY', 'balance', 'partially_refunded', '', o.paid_at,
          '', '', o.created_at, greatest(o.paid_at, least(o.paid_at
            + ({_u("o.id", 8, 72)} + 1) * interval '1 hour', now() - interval '1 hour'))
        FROM orders_order o WHERE o.id >= %(first)s AND o.amount_refunded > 0
        """,
        p,
    )
    cur.execute(
        """
        INSERT INTO payments_refund (public_id, intent_id, amount, status, reason,
          provider_reference, idempotency_key, request_fingerprint, created_at, updated_at)
        SELECT upper(substr(md5('r' || pi.id), 1, 26)), pi.id, pi.amount_refunded,
          'succeeded', 'bench', '', 'bench-refund-' || pi.id, '', pi.updated_at, pi.updated_at
        FROM payments_paymentintent pi
        JOIN orders_order o ON o.public_id = pi.reference AND o.id >= %(first)s
        WHERE pi.purpose = 'order'
        """,
        p,
    )
    cur.execute(
        "SELECT setval(pg_get_serial_sequence('orders_order', 'id'), max(id)) FROM orders_order"
    )
    return orders


def _generate(world: dict, today) -> tuple[int, int]:
    """12 months of history up to yesterday: order i is paid on day i*365/orders at an hour
    drawn from a day's busy hours. Returns (orders, lines)."""
    from django.db import connection, transaction

    start = datetime.combine(today - timedelta(days=365), datetime.min.time())
    hours = [7, 8, 9, 10, 11, 12, 12, 13, 14, 15, 16, 17, 18, 18, 19, 19, 20, 20, 21, 22]
    paid_at = (
        "(%(start)s::timestamp + (g.i::bigint * 365 / %(orders)s) * interval '1 day'"
        f" + (%(hours)s::int[])[{_u('g.i', 9, 20)} + 1] * interval '1 hour'"
        f" + ({_u('g.i', 10, 3600)}) * interval '1 second') AT TIME ZONE '{TZ}'"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) + 1 FROM orders_order")
        first = cur.fetchone()[0]
        orders = _insert(
            cur,
            world,
            first=first,
            lines=LINES,
            paid_at=paid_at,
            params={"start": start, "hours": hours},
        )
        # shoppers joined over the year (the platform's new members)
        cur.execute(
            "UPDATE accounts_user SET date_joined = %(start)s::timestamp AT TIME ZONE %(tz)s"
            " + (id %% 365) * interval '1 day' WHERE username LIKE 'shopper%%'",
            {"start": start, "tz": TZ},
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    return orders, LINES


def _add_new_orders(world: dict) -> None:
    """NEW_ORDERS orders paid in the last hour (or since midnight, if earlier), none refunded."""
    from django.db import connection, transaction

    lines = NEW_ORDERS * 10 // 4
    paid_at = (
        f"greatest(date_trunc('day', now() AT TIME ZONE '{TZ}') AT TIME ZONE '{TZ}',"
        f" now() - interval '1 hour') + ({_u('g.i', 11, 3000)}) * interval '1 second'"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT max(id) + 1 FROM orders_order")
        first = cur.fetchone()[0]
        assert (
            _insert(
                cur, world, first=first, lines=lines, paid_at=paid_at, params={"all_paid": True}
            )
            == NEW_ORDERS
        )


def _generate_marketing(world: dict, today) -> None:
    """The marketing page's facts over the generated orders, set-based: 60 % of the
    shoppers join each merchant's programme over the year; 20 % of the orders with a
    shopper come after a coupon of one of the merchant's 3 templates, half of them use it
    (the order's discount line names it); 5 % were referred through one of 20 sharers'
    links (credited at 5 % of what was kept); half earn the merchant's points (¥1 = 1
    point) and a quarter spend some. Then the marketing job builds every day, timed."""
    from django.db import connection, transaction

    from omniretail.accounts.models import Organization
    from omniretail.analytics.rollup_marketing import rollup_marketing
    from omniretail.catalog.models import Sku
    from omniretail.loyalty import services as points
    from omniretail.loyalty.models import CouponTemplate
    from omniretail.referrals.models import ShareLink

    merchants = list(dict.fromkeys(world["merchant_ids"]))
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=merchants)}
    templates, clearing = [], []
    for m in merchants:
        templates += [
            CouponTemplate.objects.create(
                org_id=m,
                name=f"满{k * 50}减{k * 5}",
                kind="amount",
                amount_off=k * 5,
                min_spend=k * 50,
                valid_days=30,
            ).pk
            for k in (1, 2, 3)
        ]
        clearing.append(points.clearing_account(orgs[m], points.merchant_asset_code(orgs[m])).pk)
    product = Sku.objects.get(pk=world["sku_ids"][0]).product
    links = [
        ShareLink.objects.create(sharer_id=u, product=product) for u in world["shopper_ids"][:20]
    ]
    p = {
        "mids": merchants,
        "tmpl": templates,
        "clearing": clearing,
        "links": [link.pk for link in links],
        "sharers": [link.sharer_id for link in links],
        "product": product.pk,
        "tz": TZ,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO loyalty_member (public_id, user_id, org_id, name, tier, created_at)
            SELECT upper(substr(md5('mb' || u.id || ':' || m), 1, 26)), u.id, m, '', '',
              now() - ({_u("u.id * 7 + m", 20, 365 * 24)}) * interval '1 hour'
            FROM accounts_user u CROSS JOIN unnest(%(mids)s::int[]) AS m
            WHERE u.username LIKE 'shopper%%' AND {_u("u.id * 7 + m", 21, 100)} < 60
            """,
            p,
        )
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_coupon ON COMMIT DROP AS
            SELECT o.id AS order_id, o.public_id AS order_ref, o.shopper_id, o.merchant_id,
              o.paid_at, (%(tmpl)s::int[])[(array_position(%(mids)s::int[], o.merchant_id) - 1)
                * 3 + {_u("o.id", 22, 3)} + 1] AS template_id,
              {_u("o.id", 23, 100)} < 10 AS used
            FROM orders_order o
            WHERE o.paid_at IS NOT NULL AND o.shopper_id IS NOT NULL
              AND {_u("o.id", 24, 100)} < 20
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO loyalty_coupon (public_id, template_id, user_id, org_id, seq, status,
              source, valid_until, order_id, used_at, issue_key, created_at)
            SELECT upper(substr(md5('cp' || c.order_id), 1, 26)), c.template_id, c.shopper_id,
              c.merchant_id,
              row_number() OVER (PARTITION BY c.template_id, c.shopper_id ORDER BY c.order_id),
              CASE WHEN c.used THEN 'used' ELSE 'available' END, 'staff',
              c.paid_at + interval '29 days', CASE WHEN c.used THEN c.order_ref ELSE '' END,
              CASE WHEN c.used THEN c.paid_at END, 'bench:' || c.order_id,
              c.paid_at - interval '1 day'
            FROM bench_coupon c
            """
        )
        cur.execute(
            """
            UPDATE orders_order o SET discount_total = t.amount_off,
              discount_lines = jsonb_build_array(jsonb_build_object('kind', 'coupon',
                'label', t.name, 'amount', t.amount_off::text,
                'coupon', upper(substr(md5('cp' || c.order_id), 1, 26))))
            FROM bench_coupon c JOIN loyalty_coupontemplate t ON t.id = c.template_id
            WHERE c.used AND o.id = c.order_id
            """
        )
        cur.execute(
            f"""
            INSERT INTO referrals_attribution (public_id, created_at, updated_at, order_id,
              product_id, merchant_id, link_id, sharer_id, buyer_id, kind, form, status, base,
              kept_base, rate, amount, points, clawed_back, credited_at)
            SELECT upper(substr(md5('at' || o.id), 1, 26)), o.paid_at, o.paid_at, o.id,
              %(product)s, o.merchant_id, (%(links)s::int[])[k], (%(sharers)s::int[])[k],
              o.shopper_id, 'rebate', 'cash',
              CASE WHEN o.total = o.amount_refunded THEN 'reversed'
                WHEN o.status = 'completed' THEN 'credited' ELSE 'pending' END,
              o.total, o.total - o.amount_refunded, 0.05,
              CASE WHEN o.status = 'completed'
                THEN round((o.total - o.amount_refunded) * 0.05, 2) ELSE 0 END, 0, 0,
              CASE WHEN o.status = 'completed' THEN o.paid_at + interval '8 days' END
            FROM (SELECT o.*, {_u("o.id", 25, 20)} + 1 AS k FROM orders_order o
                  WHERE o.paid_at IS NOT NULL AND o.shopper_id IS NOT NULL
                    AND {_u("o.id", 26, 100)} < 5) AS o
            WHERE (%(sharers)s::int[])[k] <> o.shopper_id
            """,
            p,
        )
        # wallets of the merchants' points for their members, awards and spends
        cur.execute(
            """
            INSERT INTO ledger_account (public_id, asset_id, owner_type, owner_id, kind,
              balance, allow_negative, created_at)
            SELECT upper(substr(md5('ac' || mb.id), 1, 26)), c.asset_id, 'user', u.public_id,
              'wallet', 0, false, mb.created_at
            FROM loyalty_member mb JOIN accounts_user u ON u.id = mb.user_id
            JOIN ledger_account c ON c.id = (%(clearing)s::int[])[
              array_position(%(mids)s::int[], mb.org_id)]
            WHERE u.username LIKE 'shopper%%'
            ON CONFLICT DO NOTHING
            """,
            p,
        )
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_points ON COMMIT DROP AS
            SELECT o.id, w.id AS wallet, c.id AS clearing, c.asset_id, e.kind, e.at, e.amount
            FROM orders_order o
            JOIN accounts_user u ON u.id = o.shopper_id
            JOIN ledger_account c ON c.id = (%(clearing)s::int[])[
              array_position(%(mids)s::int[], o.merchant_id)]
            JOIN ledger_account w ON w.asset_id = c.asset_id AND w.owner_type = 'user'
              AND w.owner_id = u.public_id AND w.kind = 'wallet'
            CROSS JOIN LATERAL (VALUES
              ('loyalty_award', o.paid_at, floor(o.total)::bigint),
              ('loyalty_spend', least(o.paid_at + interval '3 days', now()),
                -floor(o.total / 4)::bigint)) AS e(kind, at, amount)
            WHERE o.paid_at IS NOT NULL AND {_u("o.id", 27, 100)} < 50
              AND (e.kind = 'loyalty_award' OR {_u("o.id", 28, 100)} < 50) AND e.amount <> 0
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO ledger_posting (public_id, asset_id, debit_id, credit_id, amount,
              idempotency_key, fingerprint, kind, reference, memo, created_at)
            SELECT upper(substr(md5('ps' || id || kind), 1, 26)), asset_id,
              CASE WHEN amount > 0 THEN clearing ELSE wallet END,
              CASE WHEN amount > 0 THEN wallet ELSE clearing END, abs(amount),
              'bench:' || kind || ':' || id, '', kind, '', '{}', at
            FROM bench_points
            """
        )
        cur.execute(
            """
            INSERT INTO ledger_entry (posting_id, account_id, amount, balance_after, created_at)
            SELECT ps.id, b.wallet, b.amount, 0, b.at FROM bench_points b
            JOIN ledger_posting ps ON ps.idempotency_key = 'bench:' || b.kind || ':' || b.id
            """
        )
        cur.execute(
            """
            UPDATE ledger_account a SET balance = s.sum
            FROM (SELECT wallet, sum(amount) AS sum FROM bench_points GROUP BY wallet) AS s
            WHERE a.id = s.wallet
            """
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    generated = time.perf_counter() - started
    load = os.getloadavg()[0]
    started = time.perf_counter()
    days = rollup_marketing()
    build = time.perf_counter() - started
    print(
        f"marketing facts generated in {generated:.1f}s (SQL); rollup_marketing built {days}"
        f" days in {build:.1f}s ({build * 1000 / days:.0f} ms per day, load {load:.2f})"
    )
    equal, rolled, raw = _marketing_equal(world["merchant"], today)
    print(f"marketing figures equal: {'yes' if equal else 'no'} (12 months, one merchant)")
    if not equal:
        print(f"  roll-ups: {rolled}\n  raw rows: {raw}")


def _marketing_equal(merchant, today) -> tuple[bool, dict, dict]:
    """The marketing report's 12-month figures against the same figures over raw rows."""
    from django.db import connection

    from omniretail.analytics import selectors
    from omniretail.analytics.report_marketing import marketing_report
    from omniretail.analytics.services import day_bounds

    p = selectors.period(today - timedelta(days=364), today, today=today)
    report = marketing_report(merchant, p)
    f = {k: v["value"] for k, v in report["figures"].items()}
    keys = ["new_members", "members", "buyers", "repeat_buyers", "returning_buyers"]
    keys += ["coupons_issued", "coupons_used", "coupon_cost", "coupon_net"]
    keys += ["referred_orders", "referred_net", "referral_cost"]
    keys += ["points_issued", "points_redeemed", "points_expired", "points_liability"]
    rolled = {k: f[k] for k in keys}
    params = {
        "prev": day_bounds(p.previous().start)[0],
        "start": day_bounds(p.start)[0],
        "end": day_bounds(p.end)[1],
        "merchant": merchant.pk,
    }
    with connection.cursor() as cur:
        cur.execute(_MARKETING, params)
        rows = cur.fetchall()
    raw = dict.fromkeys(keys, 0)
    for kind, key, a, b, c in rows:
        if kind == "members" and key == "true":
            raw["new_members"] = a
        elif kind == "members total":
            raw["members"] = a
        elif kind == "buyers" and key == "true":
            raw.update(buyers=a, repeat_buyers=b, returning_buyers=c)
        elif kind == "coupon":
            raw["coupons_used"] += a
            raw["coupon_net"] += b
            raw["coupon_cost"] += c
        elif kind == "issued":
            raw["coupons_issued"] += a
        elif kind == "referrals" and key == "true":
            raw.update(referred_orders=a, referred_net=b or 0, referral_cost=c or 0)
        elif kind == "points" and key.endswith(":true"):
            posting = key.rsplit(":", 1)[0]
            if posting in ("loyalty_award", "loyalty_clawback"):
                raw["points_issued"] += b
            elif posting in ("loyalty_spend", "loyalty_convert", "loyalty_refund"):
                raw["points_redeemed"] -= b
            elif posting == "loyalty_expired":
                raw["points_expired"] -= b
        elif kind == "liability":
            raw["points_liability"] = b or 0
    return rolled == raw, rolled, raw


# The marketing page's figures from raw rows: members, buyers (repeat, returning), coupons
# per template, referrals and the merchant's points (the liability over every entry).
_MARKETING = """
  WITH o AS (
    SELECT o.id, o.shopper_id, o.total, o.amount_refunded, o.discount_lines,
      o.paid_at >= %(start)s AS cur,
      o.amount_refunded > 0 AND o.amount_refunded >= o.total AS whole
    FROM orders_order o
    WHERE o.merchant_id = %(merchant)s AND o.paid_at >= %(prev)s AND o.paid_at < %(end)s
  ), b AS (
    SELECT cur, shopper_id, count(*) AS n FROM o
    WHERE shopper_id IS NOT NULL AND NOT whole GROUP BY cur, shopper_id
  ), code AS (
    SELECT 'PTS:ORG:' || public_id AS code FROM accounts_organization WHERE id = %(merchant)s
  )
  SELECT 'members', (created_at >= %(start)s)::text, count(*), 0, 0 FROM loyalty_member
    WHERE org_id = %(merchant)s AND created_at >= %(prev)s AND created_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'members total', '', count(*), 0, 0 FROM loyalty_member
    WHERE org_id = %(merchant)s AND created_at < %(end)s
  UNION ALL SELECT 'buyers', cur::text, count(*), count(*) FILTER (WHERE n >= 2),
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders_order p
      WHERE p.merchant_id = %(merchant)s AND p.shopper_id = b.shopper_id
        AND p.paid_at < CASE WHEN cur THEN %(start)s ELSE %(prev)s END
        AND NOT (p.amount_refunded > 0 AND p.amount_refunded >= p.total)))
    FROM b GROUP BY cur
  UNION ALL SELECT 'coupon', c.template_id::text, count(*), sum(o.total - o.amount_refunded),
    sum(CASE WHEN o.whole THEN 0 ELSE (l ->> 'amount')::numeric END)
    FROM o CROSS JOIN LATERAL jsonb_array_elements(o.discount_lines) AS l
    JOIN loyalty_coupon c ON c.public_id = l ->> 'coupon'
    WHERE o.cur AND l ->> 'kind' = 'coupon' GROUP BY c.template_id
  UNION ALL SELECT 'issued', template_id::text, count(*), 0, 0 FROM loyalty_coupon
    WHERE org_id = %(merchant)s AND created_at >= %(start)s AND created_at < %(end)s
    GROUP BY template_id
  UNION ALL SELECT 'referrals', o.cur::text,
    count(DISTINCT a.order_id) FILTER (WHERE a.kept_base > 0), sum(a.kept_base),
    sum(CASE WHEN a.status = 'credited' THEN a.amount - a.clawed_back ELSE 0 END)
    FROM referrals_attribution a JOIN o ON o.id = a.order_id GROUP BY o.cur
  UNION ALL SELECT 'points', p.kind || ':' || (e.created_at >= %(start)s)::text, count(*),
    sum(e.amount), 0
    FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id AND a.kind = 'wallet'
    JOIN ledger_asset s ON s.id = a.asset_id AND s.code = (SELECT code FROM code)
    JOIN ledger_posting p ON p.id = e.posting_id
    WHERE e.created_at >= %(prev)s AND e.created_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'liability', '', count(*), sum(e.amount), 0
    FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id AND a.kind = 'wallet'
    JOIN ledger_asset s ON s.id = a.asset_id AND s.code = (SELECT code FROM code)
    WHERE e.created_at < %(end)s
"""


def _generate_platform(world: dict, today) -> None:
    """The economics page's facts over the generated orders, set-based: 40 % of the orders
    with a shopper earn platform points (¥1 = 1 point, issued against the order's
    merchant), a quarter of those spend a quarter of them at another merchant (a
    settlement line each way), 5 % lapse; 30 % of the orders are channel goods shared
    92/5/3 among the retailer, the platform and the producer (refunds reversed), with a
    statement per organisation and month paid ten days after it ends; 2 % of the orders are
    group-buy winners' pickups, each with two losers refunded with 10 points, one campaign
    per merchant and month; three clicks per referred sale. Then the platform job builds
    every day, timed."""
    from django.db import connection, transaction

    from omniretail.analytics.rollup_platform import rollup_platform_changes
    from omniretail.ledger import services as ledger
    from omniretail.loyalty import services as points

    shop = world["shop"]
    merchants = list(dict.fromkeys(world["merchant_ids"]))
    issuer = points.issuing_account(ledger.PLATFORM_POINTS)
    clearing = [
        points.clearing_account(o, ledger.PLATFORM_POINTS).pk
        for o in type(shop.merchant).objects.filter(pk__in=merchants).order_by("pk")
    ]
    breakage = points.breakage_account(ledger.PLATFORM_POINTS)
    p = {
        "mids": sorted(merchants),
        "clearing": clearing,
        "asset": issuer.asset_id,
        "issuer": issuer.pk,
        "breakage": breakage.pk,
        "platform": shop.platform.pk,
        "producer": shop.producer.pk,
        "stores": [world["store_ids"][world["merchant_ids"].index(m)] for m in sorted(merchants)],
        "sku": world["sku_ids"][0],
        "tz": TZ,
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO ledger_account (public_id, asset_id, owner_type, owner_id, kind,
              balance, allow_negative, created_at)
            SELECT upper(substr(md5('pw' || u.id), 1, 26)), %(asset)s, 'user', u.public_id,
              'wallet', 0, false, u.date_joined
            FROM accounts_user u WHERE u.username LIKE 'shopper%%'
            ON CONFLICT DO NOTHING
            """,
            p,
        )
        n = len(merchants)
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_pts ON COMMIT DROP AS
            SELECT o.id, w.id AS wallet, e.kind, e.at, e.amount,
              (%(clearing)s::int[])[array_position(%(mids)s::int[], o.merchant_id)] AS issuer,
              o.merchant_id AS issuer_org,
              (%(mids)s::int[])[mod(array_position(%(mids)s::int[], o.merchant_id), {n}) + 1]
                AS spender_org
            FROM orders_order o
            JOIN accounts_user u ON u.id = o.shopper_id
            JOIN ledger_account w ON w.asset_id = %(asset)s AND w.owner_type = 'user'
              AND w.owner_id = u.public_id AND w.kind = 'wallet'
            CROSS JOIN LATERAL (VALUES
              ('loyalty_award', o.paid_at, floor(o.total)::bigint),
              ('loyalty_spend', least(o.paid_at + interval '2 days', now()),
                -floor(o.total / 4)::bigint),
              ('loyalty_expired', least(o.paid_at + interval '200 days', now()),
                -floor(o.total / 2)::bigint)) AS e(kind, at, amount)
            WHERE o.paid_at IS NOT NULL AND {_u("o.id", 40, 100)} < 40 AND e.amount <> 0
              AND (e.kind = 'loyalty_award'
                OR e.kind = 'loyalty_spend' AND {_u("o.id", 41, 100)} < 25
                OR e.kind = 'loyalty_expired' AND {_u("o.id", 41, 100)} >= 95
                  AND o.paid_at + interval '200 days' < now())
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO ledger_posting (public_id, asset_id, debit_id, credit_id, amount,
              idempotency_key, fingerprint, kind, reference, memo, created_at)
            SELECT upper(substr(md5('pp' || id || kind), 1, 26)), %(asset)s,
              CASE WHEN amount > 0 THEN issuer ELSE wallet END,
              CASE WHEN amount > 0 THEN wallet WHEN kind = 'loyalty_expired' THEN %(breakage)s
                ELSE (%(clearing)s::int[])[array_position(%(mids)s::int[], spender_org)] END,
              abs(amount), 'bench:pts:' || kind || ':' || id, '', kind, '', '{}', at
            FROM bench_pts
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO ledger_entry (posting_id, account_id, amount, balance_after, created_at)
            SELECT ps.id, b.wallet, b.amount, 0, b.at FROM bench_pts b
            JOIN ledger_posting ps ON ps.idempotency_key = 'bench:pts:' || b.kind || ':' || b.id
            """
        )
        cur.execute(
            """
            UPDATE ledger_account a SET balance = s.sum
            FROM (SELECT wallet, sum(amount) AS sum FROM bench_pts GROUP BY wallet) AS s
            WHERE a.id = s.wallet
            """
        )
        cur.execute(
            """
            INSERT INTO loyalty_settlementline (issuer_id, spender_id, points, posting_id,
              created_at)
            SELECT b.issuer_org, b.spender_org, -b.amount, ps.id, b.at FROM bench_pts b
            JOIN ledger_posting ps ON ps.idempotency_key = 'bench:pts:' || b.kind || ':' || b.id
            WHERE b.kind = 'loyalty_spend' AND b.issuer_org <> b.spender_org
            """
        )
        cur.execute(
            f"""
            INSERT INTO supply_allocation (kind, sequence, source_kind, source_ref,
              source_number, party, organization_id, gross_fen, amount_fen, waived_fen,
              created_at)
            SELECT CASE WHEN r.refund THEN 'refund' ELSE 'share' END,
              CASE WHEN r.refund THEN (o.amount_refunded * 100)::bigint ELSE 0 END, 'retail',
              o.public_id, o.number, s.party,
              CASE s.party WHEN 'retailer' THEN o.merchant_id WHEN 'platform' THEN %(platform)s
                ELSE %(producer)s END,
              (x.amount * 100)::bigint, x.sign * floor(x.amount * s.pct)::bigint, 0,
              CASE WHEN r.refund THEN least(o.paid_at + interval '3 days', now())
                ELSE o.paid_at END
            FROM orders_order o
            CROSS JOIN (VALUES ('retailer', 92), ('platform', 5), ('producer', 3)) AS s(party, pct)
            CROSS JOIN (VALUES (false), (true)) AS r(refund)
            CROSS JOIN LATERAL (SELECT
              CASE WHEN r.refund THEN o.amount_refunded ELSE o.total END AS amount,
              CASE WHEN r.refund THEN -1 ELSE 1 END AS sign) AS x
            WHERE o.paid_at IS NOT NULL AND {_u("o.id", 42, 100)} < 30
              AND (NOT r.refund OR o.amount_refunded > 0)
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO supply_statement (public_id, organization_id, period_start, period_end,
              total_fen, waived_fen, line_count, status, created_at, paid_at)
            SELECT upper(substr(md5('st' || organization_id || m), 1, 26)), organization_id,
              m::date, (m + interval '1 month' - interval '1 day')::date, sum(amount_fen), 0,
              count(*), 'paid', (m + interval '1 month') AT TIME ZONE %(tz)s,
              (m + interval '1 month 10 days') AT TIME ZONE %(tz)s
            FROM (SELECT a.*, date_trunc('month', a.created_at AT TIME ZONE %(tz)s) AS m
                  FROM supply_allocation a) AS a
            WHERE m + interval '1 month 10 days' < now() AT TIME ZONE %(tz)s
            GROUP BY organization_id, m HAVING sum(amount_fen) > 0
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO groupbuy_campaign (public_id, created_at, updated_at, merchant_id,
              store_id, sku_id, title, description, quantity, group_price, group_size,
              winners_per_group, starts_at, ends_at, navigation_address, phone,
              consolation_points, unfilled_points, status)
            SELECT upper(substr(md5('gc' || m || mon), 1, 26)), mon, mon, m,
              (%(stores)s::int[])[array_position(%(mids)s::int[], m)], %(sku)s,
              '拼团 ' || to_char(mon, 'YYYY-MM'), '', 100000, 9.90, 3, 1, mon,
              mon + interval '1 month', '杭州', '0571-88888888', 10, 0, 'closed'
            FROM unnest(%(mids)s::int[]) AS m
            CROSS JOIN generate_series(date_trunc('month', now() - interval '13 months'),
              now(), interval '1 month') AS mon
            """,
            p,
        )
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_gb ON COMMIT DROP AS
            SELECT o.id AS order_id, o.paid_at, o.completed_at, o.total, c.id AS campaign,
              k,
              (SELECT id FROM accounts_user WHERE username = 'shopper' || mod(o.id * 3 + k, 2000))
                AS shopper
            FROM orders_order o
            JOIN groupbuy_campaign c ON c.merchant_id = o.merchant_id
              AND c.starts_at = date_trunc('month', o.paid_at)
            CROSS JOIN generate_series(0, 2) AS k
            WHERE o.paid_at IS NOT NULL AND o.shopper_id IS NOT NULL
              AND {_u("o.id", 43, 100)} < 2
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO groupbuy_group (public_id, campaign_id, number, size, winners_count,
              status, paid_count, seed, commitment, member_list, member_list_hash, winners,
              draw_version, client_values, filled_at, drawn_at, settled_at)
            SELECT upper(substr(md5('gg' || order_id), 1, 26)), campaign, order_id, 3, 1,
              'settled', 3, '', '', '[]', '',
              jsonb_build_array(upper(substr(md5('gm' || order_id || ':0'), 1, 26))), 2, '[]',
              paid_at, paid_at + interval '1 minute', paid_at + interval '2 minutes'
            FROM bench_gb WHERE k = 0
            """
        )
        cur.execute(
            """
            INSERT INTO groupbuy_seat (campaign_id, group_id, number, taken)
            SELECT b.campaign, g.id, b.k + 1, true FROM bench_gb b
            JOIN groupbuy_group g ON g.public_id = upper(substr(md5('gg' || b.order_id), 1, 26))
            """
        )
        cur.execute(
            """
            INSERT INTO groupbuy_member (public_id, campaign_id, group_id, seat_id, seat_number,
              shopper_id, status, amount, intent_id, client_value, pay_by, order_id,
              consolation_points, joined_at, paid_at, refunded_at)
            SELECT DISTINCT ON (b.campaign, b.shopper)
              upper(substr(md5('gm' || b.order_id || ':' || b.k), 1, 26)), b.campaign, g.id,
              s.id, b.k + 1, b.shopper,
              CASE WHEN b.k = 0 THEN 'voucher_issued' ELSE 'refunded' END, b.total,
              upper(substr(md5('gi' || b.order_id || ':' || b.k), 1, 26)), '',
              b.paid_at + interval '15 minutes', CASE WHEN b.k = 0 THEN b.order_id END,
              CASE WHEN b.k = 0 THEN 0 ELSE 10 END, b.paid_at - interval '5 minutes',
              b.paid_at, CASE WHEN b.k > 0 THEN b.paid_at + interval '2 minutes' END
            FROM bench_gb b
            JOIN groupbuy_group g ON g.public_id = upper(substr(md5('gg' || b.order_id), 1, 26))
            JOIN groupbuy_seat s ON s.group_id = g.id AND s.number = b.k + 1
            WHERE b.shopper IS NOT NULL
            ORDER BY b.campaign, b.shopper, b.k
            """
        )
        cur.execute(
            """
            INSERT INTO referrals_sharevisit (public_id, link_id, visitor_id, visited_at,
              created_at)
            SELECT upper(substr(md5('sv' || a.id || ':' || k), 1, 26)), a.link_id, a.buyer_id,
              a.created_at - k * interval '20 minutes', a.created_at
            FROM referrals_attribution a CROSS JOIN generate_series(1, 3) AS k
            """
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    generated = time.perf_counter() - started
    load = os.getloadavg()[0]
    started = time.perf_counter()
    days = rollup_platform_changes()
    build = time.perf_counter() - started
    print(
        f"economics facts generated in {generated:.1f}s (SQL); rollup_platform_changes built"
        f" {days} days in {build:.1f}s ({build * 1000 / days:.0f} ms per day, load {load:.2f})"
    )


# The economics page's figures from raw rows (the period and the one before it): platform
# and merchants' points by kind with the liability over every entry, settlement lines and
# channel shares per organisation with what is still owed, group buys per campaign and
# referrals per merchant.
_ECONOMICS = """
  WITH w AS (
    SELECT e.amount, e.created_at, p.kind, a.asset_id FROM ledger_entry e
    JOIN ledger_account a ON a.id = e.account_id AND a.owner_type = 'user' AND a.kind = 'wallet'
    JOIN ledger_asset s ON s.id = a.asset_id AND s.kind = 'points'
    JOIN ledger_posting p ON p.id = e.posting_id
    WHERE e.created_at < %(end)s
  )
  SELECT 'points', asset_id::text || kind || (created_at >= %(start)s)::text, count(*),
    sum(amount), 0 FROM w WHERE created_at >= %(prev)s GROUP BY 2
  UNION ALL SELECT 'liability', asset_id::text, count(*), sum(amount), 0 FROM w GROUP BY 2
  UNION ALL SELECT 'lines', spender_id::text || ':' || issuer_id::text
      || (created_at >= %(start)s)::text, count(*), sum(points), 0
    FROM loyalty_settlementline WHERE created_at >= %(prev)s AND created_at < %(end)s
    GROUP BY 2
  UNION ALL SELECT 'shares', organization_id::text || (created_at >= %(start)s)::text,
      count(*), sum(amount_fen), 0
    FROM supply_allocation WHERE created_at >= %(prev)s AND created_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'owed', organization_id::text, count(*), sum(amount_fen), 0
    FROM supply_allocation WHERE created_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'paid', organization_id::text, count(*), sum(total_fen), 0
    FROM supply_statement WHERE status = 'paid' AND paid_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'groupbuy', campaign_id::text || (paid_at >= %(start)s)::text, count(*),
      sum(amount), sum(consolation_points)
    FROM groupbuy_member WHERE paid_at >= %(prev)s AND paid_at < %(end)s GROUP BY 2
  UNION ALL SELECT 'referrals', merchant_id::text || (created_at >= %(start)s)::text,
      count(DISTINCT order_id), sum(kept_base), sum(amount - clawed_back)
    FROM referrals_attribution WHERE created_at >= %(prev)s AND created_at < %(end)s GROUP BY 2
"""


# One statement per page: the figures the page shows, from raw rows. The order's channel is
# decided as analytics.services.channels_of does (points mall, group buy, else fulfilment).
_ORDERS = f"""
  WITH o AS (
    SELECT o.id, o.merchant_id, o.store_id, o.shopper_id, o.total, o.amount_refunded,
      o.paid_at >= %(start)s AS cur, (o.paid_at AT TIME ZONE '{TZ}')::date AS day,
      CASE WHEN EXISTS (SELECT 1 FROM pointsmall_redemption r WHERE r.order_id = o.id)
        THEN 'points_mall'
        WHEN EXISTS (SELECT 1 FROM groupbuy_member g WHERE g.order_id = o.id) THEN 'group_buy'
        WHEN o.fulfilment = 'in_store' THEN 'till' ELSE o.fulfilment END AS channel
    FROM orders_order o
    WHERE o.paid_at >= %(prev)s AND o.paid_at < %(end)s {{where}}
  ), r AS (
    SELECT rf.amount, rf.updated_at >= %(start)s AS cur
    FROM payments_refund rf
    JOIN payments_paymentintent pi ON pi.id = rf.intent_id AND pi.purpose = 'order'
    JOIN orders_order o ON o.public_id = pi.reference
    WHERE rf.status = 'succeeded' AND rf.updated_at >= %(prev)s AND rf.updated_at < %(end)s
      {{where}}
  )
  SELECT 'total', cur::text, count(*), sum(total), sum(amount_refunded) FROM o GROUP BY cur
  UNION ALL SELECT 'returns', cur::text, count(*), sum(amount), 0 FROM r GROUP BY cur
  UNION ALL SELECT 'channel', channel, count(*), sum(total), sum(amount_refunded)
    FROM o WHERE cur GROUP BY channel
  UNION ALL SELECT 'day', day::text, count(*), sum(total), sum(amount_refunded)
    FROM o WHERE cur GROUP BY day
  UNION ALL SELECT {{by}}, count(*), sum(total), sum(amount_refunded)
    FROM o WHERE cur GROUP BY 2
"""
_PRODUCTS = """
  UNION ALL (SELECT 'sku', l.sku_id::text, sum(l.quantity), sum(l.line_total),
      sum(l.quantity_returned * l.unit_price)
    FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
    WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s {where}
    GROUP BY l.sku_id ORDER BY 4 DESC {limit})
"""
_MEMBERS = """
  UNION ALL SELECT 'members', cur::text, count(*), 0, 0 FROM (
    SELECT date_joined >= %(start)s AS cur FROM accounts_user
    WHERE date_joined >= %(prev)s AND date_joined < %(end)s) AS m GROUP BY cur
  UNION ALL SELECT 'buyers', cur::text, sum(n), 0, 0 FROM (
    SELECT cur, count(DISTINCT shopper_id) AS n FROM o GROUP BY cur, day) AS b GROUP BY cur
"""
_PRODUCER = f"""
  SELECT l.sku_id, o.store_id, date_trunc('week', o.paid_at AT TIME ZONE '{TZ}') AS week,
    sum(l.quantity - l.quantity_returned)
  FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
  JOIN catalog_sku s ON s.id = l.sku_id JOIN catalog_product p ON p.id = s.product_id
  WHERE o.paid_at >= %(start)s AND o.paid_at < %(end)s AND p.owner_id = %(producer)s
  GROUP BY 1, 2, 3
"""


def _generate_supply(world: dict, today) -> None:
    """The P2R facts of the producer and region dashboards: the merchants in two regional
    centres (杭州: the first two, 温州: the last), the producer's offers of every SKU selected
    by both, for every store, SKU and week with sales a purchase order shipped the Saturday
    before (115 % of the week's units, so sell-through is about 87 %) and received a day
    later, and a review of 3 % of the completed lines by signed-in shoppers (1-5 stars);
    then the supply roll-up's first build, timed."""
    from decimal import Decimal

    from django.db import connection, transaction

    from omniretail.accounts import services as accounts
    from omniretail.accounts.models import Organization
    from omniretail.analytics.rollup_supply import rollup_supply_changes
    from omniretail.catalog.models import Sku
    from omniretail.supply.models import Offer, RegionalOffer

    shop = world["shop"]
    west = accounts.create_organization(kind="region", name="杭州运营中心", code="bench-west")
    east = accounts.create_organization(kind="region", name="温州运营中心", code="bench-east")
    merchants = list(dict.fromkeys(world["merchant_ids"]))
    Organization.objects.filter(pk__in=merchants[:-1]).update(region=west)
    Organization.objects.filter(pk=merchants[-1]).update(region=east)
    world["west"] = west.public_id
    products = dict(Sku.objects.filter(pk__in=world["sku_ids"]).values_list("pk", "product_id"))
    offers = Offer.objects.bulk_create(
        Offer(
            sku_id=sku_id,
            product_id=products[sku_id],
            producer=shop.producer,
            wholesale_price=Decimal(price) / 2,
            wholesale_ceiling=Decimal(price) * 3 / 4,
        )
        for sku_id, price in zip(world["sku_ids"], world["prices"], strict=True)
    )
    RegionalOffer.objects.bulk_create(
        RegionalOffer(region=r, offer=o, wholesale_price=o.wholesale_ceiling)
        for r in (west, east)
        for o in offers
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            CREATE TEMP TABLE bench_supply ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY o.store_id, l.sku_id, wk) AS k,
              o.store_id, o.merchant_id, m.region_id, l.sku_id, ro.id AS selection,
              ro.wholesale_price AS price, f.producer_id,
              ceil(sum(l.quantity) * 1.15)::int AS q,
              (wk - interval '2 days') AT TIME ZONE '{TZ}' AS sent
            FROM orders_orderline l
            JOIN orders_order o ON o.id = l.order_id
            JOIN accounts_organization m ON m.id = o.merchant_id
            JOIN supply_offer f ON f.sku_id = l.sku_id
            JOIN supply_regionaloffer ro ON ro.offer_id = f.id AND ro.region_id = m.region_id,
            LATERAL date_trunc('week', o.paid_at AT TIME ZONE '{TZ}') AS wk
            WHERE o.paid_at IS NOT NULL
            GROUP BY o.store_id, o.merchant_id, m.region_id, l.sku_id, ro.id, f.producer_id, wk
            """
        )
        for table in ("purchaseorder", "purchaseorderline", "shipment", "shipmentline"):
            cur.execute(f"SELECT coalesce(max(id), 0) FROM supply_{table}")
            world[f"base_{table}"] = cur.fetchone()[0]
        p = {k: world[f"base_{k}"] for k in ("purchaseorder", "purchaseorderline", "shipment")}
        p["shipmentline"] = world["base_shipmentline"]
        cur.execute(
            """
            INSERT INTO supply_purchaseorder (id, public_id, number, retailer_id, region_id,
              store_id, status, total, note, confirmed_at, received_at, created_at, updated_at)
            SELECT %(purchaseorder)s + k, upper(substr(md5('po' || k), 1, 26)),
              'BP' || lpad(k::text, 14, '0'), merchant_id, region_id, store_id, 'received',
              price * q, '', sent, sent + interval '1 day', sent - interval '1 day',
              sent + interval '1 day'
            FROM bench_supply
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO supply_purchaseorderline (id, order_id, regional_offer_id, sku_id,
              producer_id, unit_price, quantity, quantity_shipped, quantity_received,
              line_total)
            SELECT %(purchaseorderline)s + k, %(purchaseorder)s + k, selection, sku_id,
              producer_id, price, q, q, q, price * q
            FROM bench_supply
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO supply_shipment (id, public_id, order_id, status, created_at,
              received_at)
            SELECT %(shipment)s + k, upper(substr(md5('sh' || k), 1, 26)),
              %(purchaseorder)s + k, 'received', sent, sent + interval '1 day'
            FROM bench_supply
            """,
            p,
        )
        cur.execute(
            """
            INSERT INTO supply_shipmentline (id, shipment_id, po_line_id, quantity,
              quantity_received, discrepancy_note)
            SELECT %(shipmentline)s + k, %(shipment)s + k, %(purchaseorderline)s + k, q, q, ''
            FROM bench_supply
            """,
            p,
        )
        for table in ("purchaseorder", "purchaseorderline", "shipment", "shipmentline"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('supply_{table}', 'id'), max(id))"
                f" FROM supply_{table}"
            )
        cur.execute(
            f"""
            INSERT INTO catalog_productreview (public_id, created_at, updated_at, product_id,
              sku_id, order_line_id, merchant_id, author_id, rating, text, hidden_reason,
              reply)
            SELECT upper(substr(md5('rv' || l.id), 1, 26)), o.paid_at + interval '2 days',
              o.paid_at + interval '2 days', s.product_id, l.sku_id, l.id, o.merchant_id,
              o.shopper_id, 1 + {_u("l.id", 13, 5)}, '', '', ''
            FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
            JOIN catalog_sku s ON s.id = l.sku_id
            WHERE o.status = 'completed' AND o.shopper_id IS NOT NULL
              AND {_u("l.id", 12, 100)} < 3 AND o.paid_at < now() - interval '2 days'
            """
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    days = rollup_supply_changes()
    build = time.perf_counter() - started
    print_table(
        ["supply roll-up", "days", "seconds", "ms per day", "load before"],
        [["build (rollup_supply_changes, first run)", days, build, build * 1000 / days, load]],
    )


def _supply_incremental() -> None:
    """The supply roll-up's next run after the NEW_ORDERS new orders (what the scheduler
    runs next), timed."""
    from omniretail.analytics.rollup_supply import rollup_supply_changes

    load = os.getloadavg()[0]
    started = time.perf_counter()
    days = rollup_supply_changes()
    seconds = time.perf_counter() - started
    print_table(
        ["supply roll-up", "days", "seconds", "load before"],
        [[f"+{NEW_ORDERS:,} paid orders (rollup_supply_changes)", days, seconds, load]],
    )


# The producer and region pages' figures over raw rows: stock counted in, the goods sold
# (less returns) and reviews per region, retailer, SKU and day of the period and the one
# before, and (region pages) the retailers' whole sales.
_SUPPLY = f"""
  WITH facts AS (
    SELECT po.region_id AS region, po.retailer_id AS retailer, pl.sku_id AS sku,
      (sh.received_at AT TIME ZONE '{TZ}')::date AS day, sum(sl.quantity_received) AS stock,
      0 AS sold, 0 AS back, 0 AS gmv, 0 AS refunded, 0 AS reviews, 0 AS stars, 0 AS low
    FROM supply_shipmentline sl JOIN supply_shipment sh ON sh.id = sl.shipment_id
    JOIN supply_purchaseorderline pl ON pl.id = sl.po_line_id
    JOIN supply_purchaseorder po ON po.id = sh.order_id
    WHERE sh.received_at >= %(prev)s AND sh.received_at < %(end)s {{stock}}
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT m.region_id, o.merchant_id, l.sku_id, (o.paid_at AT TIME ZONE '{TZ}')::date, 0,
      sum(l.quantity), sum(l.quantity_returned), sum(l.line_total),
      sum(l.quantity_returned * l.unit_price), 0, 0, 0
    FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
    JOIN accounts_organization m ON m.id = o.merchant_id
    JOIN supply_offer f ON f.sku_id = l.sku_id
    WHERE o.paid_at >= %(prev)s AND o.paid_at < %(end)s {{sold}}
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT m.region_id, r.merchant_id, r.sku_id, (r.created_at AT TIME ZONE '{TZ}')::date,
      0, 0, 0, 0, 0, count(*), sum(r.rating), count(*) FILTER (WHERE r.rating <= 2)
    FROM catalog_productreview r JOIN accounts_organization m ON m.id = r.merchant_id
    JOIN supply_offer f ON f.sku_id = r.sku_id
    WHERE r.hidden_at IS NULL AND r.created_at >= %(prev)s AND r.created_at < %(end)s {{sold}}
    GROUP BY 1, 2, 3, 4
  )
  SELECT cur, region, retailer, sku, CASE WHEN GROUPING(day) = 0 THEN day END, sum(stock),
    sum(sold), sum(back), sum(gmv), sum(refunded), sum(reviews), sum(stars), sum(low)
  FROM (SELECT *, day >= (%(start)s AT TIME ZONE '{TZ}')::date AS cur FROM facts) AS f
  GROUP BY GROUPING SETS ((cur), (cur, region), (cur, retailer), (cur, sku), (cur, day))
"""


def _supply_sql(kind: str) -> str:
    """The bound of a supply page: the producer's goods (everywhere, or in 杭州), or 杭州's
    goods (all its retailers, or the shop's merchant) with the retailers' whole sales."""
    producer = "(SELECT id FROM accounts_organization WHERE code = 'maker')"
    region = "(SELECT id FROM accounts_organization WHERE code = 'bench-west')"
    if kind == "supply_producer":
        where = {
            "stock": f"AND pl.producer_id = {producer}",
            "sold": f"AND f.producer_id = {producer}",
        }
        return _SUPPLY.format(**where)
    if kind == "supply_producer_region":
        where = {
            "stock": f"AND pl.producer_id = {producer} AND po.region_id = {region}",
            "sold": f"AND f.producer_id = {producer} AND m.region_id = {region}",
        }
        return _SUPPLY.format(**where)
    retailer = " AND m.id = %(merchant)s" if kind == "supply_retailer" else ""
    where = {
        "stock": f"AND po.region_id = {region}"
        + (" AND po.retailer_id = %(merchant)s" if retailer else ""),
        "sold": f"AND m.region_id = {region}{retailer}",
    }
    return (
        _SUPPLY.format(**where).rstrip()
        + f"""
  UNION ALL
  SELECT o.paid_at >= %(start)s, NULL, o.merchant_id, NULL, NULL, count(*), sum(o.total),
    sum(o.amount_refunded), NULL, NULL, NULL, NULL, NULL
  FROM orders_order o JOIN accounts_organization m ON m.id = o.merchant_id
  WHERE o.paid_at >= %(prev)s AND o.paid_at < %(end)s AND m.region_id = {region}{retailer}
  GROUP BY 1, 3
"""
    )


def _generate_counters(world: dict, today) -> None:
    """The counters' facts (issue 20 item 2): a counter at each store with a bay per SKU,
    registered a year ago; a vend for each counter-channel order (its first line's bay,
    completed, refunded in full or cancelled as the order), four QR scans before each (one by
    the shopper, converted when the vend completed), heartbeats evenly spaced so there are as
    many as order lines, and a fault cleared after 30 minutes every third day per counter;
    then the counters' roll-up's first build, timed."""
    from django.db import connection, transaction
    from django.utils import timezone

    from omniretail.analytics import rollup_counters
    from omniretail.counters import services as counters
    from omniretail.counters.models import Bay, Counter
    from omniretail.stores.models import Store

    shop = world["shop"]
    made = [
        counters.register_counter(
            actor=shop.ops,
            store=store,
            code=f"BC{n:02d}",
            name=f"{store.name}售货柜",
            site_name="商场一层",
            address="杭州",
            lat=store.lat,
            lon=store.lon,
        )
        for n, store in enumerate(Store.objects.filter(pk__in=world["store_ids"]).order_by("pk"))
    ]
    Counter.objects.filter(pk__in=[c.pk for c in made]).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    Bay.objects.bulk_create(
        Bay(counter=c, number=str(k + 1), sku_id=sku, par_level=1, capacity=4)
        for c in made
        for k, sku in enumerate(world["sku_ids"])
    )
    every = max(60, 365 * 86400 * len(made) // LINES)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO counters_vend (public_id, created_at, updated_at, counter_id, bay_id,
              order_id, shopper_id, quantity, authorise, status, code_hash, taken, refunded,
              flagged)
            SELECT upper(substr(md5('vd' || o.id), 1, 26)), o.created_at, o.updated_at, c.id,
              b.id, o.id, o.shopper_id, l.quantity, 'payment',
              CASE o.status WHEN 'completed' THEN 'completed' WHEN 'refunded' THEN 'refunded'
                ELSE 'cancelled' END,
              '', CASE o.status WHEN 'completed' THEN l.quantity WHEN 'refunded' THEN 0 END,
              o.amount_refunded, false
            FROM orders_order o
            JOIN LATERAL (SELECT sku_id, quantity FROM orders_orderline
                          WHERE order_id = o.id ORDER BY id LIMIT 1) l ON true
            JOIN counters_counter c ON c.store_id = o.store_id
            JOIN counters_bay b ON b.counter_id = c.id AND b.sku_id = l.sku_id
            WHERE o.fulfilment = 'counter'
            """
        )
        cur.execute(
            """
            INSERT INTO counters_scanlead (public_id, counter_id, product_id, user_id,
              session_key, status, note, order_id, scanned_at, converted_at)
            SELECT upper(substr(md5('sl' || v.id || ':' || n), 1, 26)), v.counter_id,
              s.product_id, CASE WHEN n = 1 THEN v.shopper_id END, 'bench' || v.id || ':' || n,
              CASE WHEN n = 1 AND v.shopper_id IS NOT NULL AND v.status = 'completed'
                THEN 'converted' ELSE 'new' END, '',
              CASE WHEN n = 1 AND v.shopper_id IS NOT NULL AND v.status = 'completed'
                THEN v.order_id END,
              v.created_at - n * interval '7 minutes',
              CASE WHEN n = 1 AND v.shopper_id IS NOT NULL AND v.status = 'completed'
                THEN v.created_at END
            FROM counters_vend v JOIN counters_bay b ON b.id = v.bay_id
            JOIN catalog_sku s ON s.id = b.sku_id, generate_series(1, 4) AS g(n)
            """
        )
        cur.execute(
            """
            INSERT INTO counters_deviceevent (counter_id, seq, kind, data, fingerprint,
              received_at)
            SELECT c.id, g.n, 'heartbeat', '{}', '',
              now() - interval '365 days' + g.n * %(every)s * interval '1 second'
            FROM counters_counter c,
              generate_series(1, 365 * 86400 / %(every)s) AS g(n)
            WHERE c.code LIKE 'BC%%'
            """,
            {"every": every},
        )
        cur.execute(
            """
            INSERT INTO counters_deviceevent (counter_id, seq, kind, data, fingerprint,
              received_at)
            SELECT c.id, 10000000 + 2 * d + k, CASE WHEN k = 0 THEN
                CASE WHEN mod(d, 2) = 0 THEN 'fault' ELSE 'tamper' END ELSE 'fault_cleared' END,
              CASE WHEN k = 0 THEN jsonb_build_object('reason',
                CASE WHEN mod(d, 2) = 0 THEN '出货电机卡滞' ELSE 'tamper 摄像头遮挡' END)
                ELSE '{}' END, '',
              now() - interval '365 days' + d * interval '1 day' + c.id * interval '7 minutes'
                + k * interval '30 minutes'
            FROM counters_counter c, generate_series(0, 364, 3) AS g(d),
              generate_series(0, 1) AS h(k)
            WHERE c.code LIKE 'BC%%'
            """
        )
        cur.execute(
            "SELECT count(*), (SELECT count(*) FROM counters_scanlead),"
            " (SELECT count(*) FROM counters_deviceevent) FROM counters_vend"
        )
        vends, scans, events = cur.fetchone()
        cur.execute("ANALYZE")
    load = os.getloadavg()[0]
    started = time.perf_counter()
    days = rollup_counters.rollup_changes()
    build = time.perf_counter() - started
    print(f"counters: {len(made)} counters, {vends:,} vends, {scans:,} scans, {events:,} events")
    print_table(
        ["counters roll-up", "days", "seconds", "ms per day", "load before"],
        [["build (rollup_counters, first run)", days, build, build * 1000 / days, load]],
    )


# The counters pages' figures over raw rows: scans (distinct scanners, leads, conversions)
# and vends (paid, completed, refunded, net sales) per period, counter (or merchant, or
# product and region) and day, with minutes heard from the events and faults by reason.
_COUNTERS = f"""
WITH c AS (SELECT id, merchant_id, store_id FROM counters_counter {{counters}}),
scans AS (
  SELECT s.scanned_at >= %(start)s AS cur, s.counter_id, s.product_id,
    (s.scanned_at AT TIME ZONE '{TZ}')::date AS day, count(*) AS n,
    count(DISTINCT coalesce(s.user_id::text, s.session_key)) AS who, count(s.user_id) AS leads,
    count(*) FILTER (WHERE s.status = 'converted') AS conv
  FROM counters_scanlead s JOIN c ON c.id = s.counter_id {{scan_join}}
  WHERE s.scanned_at >= %(prev)s AND s.scanned_at < %(end)s {{scan_where}}
  GROUP BY GROUPING SETS ((1), (1, 2), (1, 3), (1, 4))
), vends AS (
  SELECT v.created_at >= %(start)s AS cur, v.counter_id, b.sku_id,
    (v.created_at AT TIME ZONE '{TZ}')::date AS day, count(*) AS n,
    count(*) FILTER (WHERE v.status NOT IN ('awaiting_payment', 'cancelled')) AS paid,
    count(*) FILTER (WHERE v.status = 'completed') AS done,
    count(*) FILTER (WHERE v.status = 'refunded') AS failed, sum(v.refunded) AS refunded,
    sum(o.total - o.amount_refunded) FILTER (WHERE v.status = 'completed') AS sales
  FROM counters_vend v JOIN c ON c.id = v.counter_id JOIN counters_bay b ON b.id = v.bay_id
  JOIN orders_order o ON o.id = v.order_id {{vend_join}}
  WHERE v.created_at >= %(prev)s AND v.created_at < %(end)s {{vend_where}}
  GROUP BY GROUPING SETS ((1), (1, 2), (1, 3), (1, 4))
), events AS (
  SELECT e.received_at >= %(start)s AS cur, e.counter_id,
    count(DISTINCT date_trunc('minute', e.received_at)) AS heard,
    count(*) FILTER (WHERE e.kind IN ('fault', 'tamper')) AS faults
  FROM counters_deviceevent e JOIN c ON c.id = e.counter_id
  WHERE e.received_at >= %(prev)s AND e.received_at < %(end)s {{event_where}}
  GROUP BY GROUPING SETS ((1), (1, 2))
)
SELECT 'scans', cur, counter_id, product_id, day, n, who, leads, conv, NULL FROM scans
UNION ALL SELECT 'vends', cur, counter_id, sku_id, day, n, paid, done, failed, sales FROM vends
UNION ALL SELECT 'events', cur, counter_id, NULL, NULL, heard, faults, NULL, NULL, NULL
  FROM events
UNION ALL SELECT 'faults', true, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL
  FROM counters_deviceevent e JOIN c ON c.id = e.counter_id
  WHERE e.kind IN ('fault', 'tamper') AND e.received_at >= %(start)s
    AND e.received_at < %(end)s {{event_where}}
  GROUP BY e.kind, e.data ->> 'reason'
"""


def _counters_sql(kind: str) -> str:
    """The bound of a counters page: the shop's merchant's counters, every counter, or the
    producer's goods on every counter (scans and vends of its products only)."""
    where = dict(counters="", scan_join="", scan_where="", vend_join="", vend_where="")
    where["event_where"] = ""
    if kind == "counters":
        where["counters"] = "WHERE merchant_id = %(merchant)s"
    if kind == "counters_producer":
        producer = "(SELECT id FROM accounts_organization WHERE code = 'maker')"
        where["scan_join"] = "JOIN catalog_product p ON p.id = s.product_id"
        where["scan_where"] = f"AND p.owner_id = {producer}"
        where["vend_join"] = "JOIN catalog_sku k ON k.id = b.sku_id"
        where["vend_join"] += " JOIN catalog_product p ON p.id = k.product_id"
        where["vend_where"] = f"AND p.owner_id = {producer}"
        where["event_where"] = "AND false"
    return _COUNTERS.format(**where)


def _bound_sql(kind: str) -> str:
    if kind.startswith("counters"):
        return _counters_sql(kind)
    if kind == "economics":
        return _ECONOMICS
    if kind.startswith("supply"):
        return _supply_sql(kind)
    if kind == "marketing":
        return _MARKETING
    if kind == "platform":
        return _ORDERS.format(where="", by="'merchant', o.merchant_id::text") + _MEMBERS
    if kind == "merchant":
        where = "AND o.merchant_id = %(merchant)s"
        return _ORDERS.format(where=where, by="'store', o.store_id::text") + _PRODUCTS.format(
            where=where, limit="LIMIT 20"
        )
    if kind == "store":
        where = "AND o.store_id = %(store)s"
        return _ORDERS.format(where=where, by="'store', o.store_id::text") + _PRODUCTS.format(
            where=where, limit=""
        )
    return _PRODUCER


def _timed(fn, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _totals_equal(p) -> tuple[bool, dict, dict]:
    """The 12-month roll-up totals against the same sums over raw rows."""
    from django.db import connection
    from django.db.models import Sum

    from omniretail.analytics import selectors
    from omniretail.analytics.models import DailyProductSales
    from omniretail.analytics.services import day_bounds

    rolled = selectors._totals(selectors._sales(p))
    units = DailyProductSales.objects.filter(day__gte=p.start, day__lte=p.end).aggregate(
        u=Sum("units"), r=Sum("units_returned")
    )
    rolled = {k: rolled[k] for k in ("orders", "gmv", "refunded", "returns", "return_count")} | {
        "units": units["u"],
        "units_returned": units["r"],
    }
    start, end = day_bounds(p.start)[0], day_bounds(p.end)[1]
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*), sum(total), sum(amount_refunded),
              (SELECT sum(quantity) FROM orders_orderline l JOIN orders_order o
               ON o.id = l.order_id WHERE o.paid_at >= %(s)s AND o.paid_at < %(e)s),
              (SELECT sum(quantity_returned) FROM orders_orderline l JOIN orders_order o
               ON o.id = l.order_id WHERE o.paid_at >= %(s)s AND o.paid_at < %(e)s)
            FROM orders_order WHERE paid_at >= %(s)s AND paid_at < %(e)s
            """,
            {"s": start, "e": end},
        )
        orders, gmv, refunded, units, units_returned = cur.fetchone()
        cur.execute(
            """
            SELECT count(*), sum(rf.amount) FROM payments_refund rf
            JOIN payments_paymentintent pi ON pi.id = rf.intent_id AND pi.purpose = 'order'
            WHERE rf.status = 'succeeded' AND rf.updated_at >= %(s)s AND rf.updated_at < %(e)s
            """,
            {"s": start, "e": end},
        )
        return_count, returns = cur.fetchone()
    raw = {
        "orders": orders,
        "gmv": gmv,
        "refunded": refunded,
        "returns": returns or 0,
        "return_count": return_count,
        "units": units,
        "units_returned": units_returned,
    }
    return rolled == raw, rolled, raw


def main() -> None:
    header(
        f"analytics: {LINES:,} order lines over 12 months, roll-ups vs brute-force SQL,"
        f" {REQUESTS} requests per page"
    )
    print(f"load average at start: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not os.environ.get("DATABASE_URL"):
        print("skipped: PostgreSQL only (the data is generated with generate_series)")
        return
    with django_database("analytics"):
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from omniretail.analytics import selectors
        from omniretail.analytics.services import day_bounds, rollup_changes

        today = timezone.localdate()
        world = _world()
        started = time.perf_counter()
        orders, lines = _generate(world, today)
        print(
            f"generated {orders:,} orders, {lines:,} lines in"
            f" {time.perf_counter() - started:.1f}s (SQL)"
        )
        _generate_marketing(world, today)
        _generate_platform(world, today)

        _generate_supply(world, today)
        _generate_counters(world, today)
        load = os.getloadavg()[0]
        started = time.perf_counter()
        days = rollup_changes()
        build = time.perf_counter() - started
        _add_new_orders(world)
        inc_load = os.getloadavg()[0]
        started = time.perf_counter()
        inc_days = rollup_changes()
        incremental = time.perf_counter() - started
        print_table(
            ["roll-up", "days", "seconds", "ms per day", "load before"],
            [
                ["build (rollup_changes, first run)", days, build, build * 1000 / days, load],
                [f"+{NEW_ORDERS:,} paid orders", inc_days, incremental, "-", inc_load],
            ],
        )
        _supply_incremental()

        call_command("collectstatic", interactive=False, verbosity=0)  # as a release does
        shop = world["shop"]
        merchant, store = world["merchant"], world["store"]
        clients = {}
        for role, user in (("ops", shop.ops), ("owner", shop.owner), ("maker", shop.maker)):
            clients[role] = Client(SERVER_NAME="localhost")
            clients[role].force_login(user)
        year = selectors.period(today - timedelta(days=364), today, today=today)
        ranges = {"30 days": selectors.period(None, None, today=today), "12 months": year}
        m, s = merchant.public_id, store.public_id
        pages = [
            ("platform", "ops", "/ops/analytics/", "platform"),
            ("platform > merchant", "ops", f"/ops/analytics/merchants/{m}/", "merchant"),
            ("platform > store", "ops", f"/ops/analytics/merchants/{m}/stores/{s}/", "store"),
            ("merchant", "owner", "/merchant/analytics/", "merchant"),
            ("merchant > store", "owner", f"/merchant/analytics/stores/{s}/", "store"),
            ("merchant > counters", "owner", "/merchant/analytics/counters/", "counters"),
            ("platform > counters", "ops", "/ops/analytics/counters/", "counters_platform"),
            ("producer > counters", "maker", "/producer/analytics/counters/", "counters_producer"),
            ("merchant > marketing", "owner", "/merchant/analytics/marketing/", "marketing"),
            ("platform > economics", "ops", "/ops/analytics/economics/", "economics"),
            ("producer > supply", "maker", "/producer/analytics/", "supply_producer"),
            (
                "producer > region",
                "maker",
                f"/producer/analytics/regions/{world['west']}/",
                "supply_producer_region",
            ),
            ("region", "ops", "/supply/region/analytics/", "supply_region"),
            (
                "region > retailer",
                "ops",
                f"/supply/region/analytics/retailers/{m}/",
                "supply_retailer",
            ),
        ]
        rows, ratios = [], []

        def measure(what, client, url, kind, p, bound_params):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            page, page_load, page_others = measured(
                lambda: _timed(lambda: client.get(url), REQUESTS)
            )
            sql = _bound_sql(kind)

            def bound():
                with connection.cursor() as cur:
                    cur.execute(sql, bound_params)
                    cur.fetchall()

            bound()  # warm, as the page was
            brute, bound_load, bound_others = measured(lambda: _timed(bound, REQUESTS))
            p95, b95 = percentile(page, 95), percentile(brute, 95)
            alike = like_other_work(page_others, bound_others)
            ratio = f"{b95 / p95:.2f}" if alike else "(other work differs)"
            rows.append(
                [
                    what,
                    p,
                    percentile(page, 50),
                    p95,
                    "yes" if p95 < 200 else "NO",
                    percentile(brute, 50),
                    b95,
                    ratio,
                    f"{page_load:.2f}/{bound_load:.2f}",
                    f"{page_others:.2f}/{bound_others:.2f}",
                ]
            )
            ratios.append(ratio)

        for label, p in ranges.items():
            query = f"?start={p.start}&end={p.end}"
            prev = p.previous()
            params = {
                "prev": day_bounds(prev.start)[0],
                "start": day_bounds(p.start)[0],
                "end": day_bounds(p.end)[1],
                "merchant": merchant.pk,
                "store": store.pk,
            }
            for what, role, url, kind in pages:
                measure(what, clients[role], url + query, kind, label, params)
        weeks_from = today - timedelta(days=today.weekday() + 7 * 12)
        measure(
            "producer 以销定产",
            clients["maker"],
            "/producer/analytics/production/",
            "producer",
            "12 weeks",
            {
                "start": day_bounds(weeks_from)[0],
                "end": day_bounds(today)[0],
                "producer": shop.producer.pk,
            },
        )
        print_table(
            [
                "page",
                "range",
                "p50 ms",
                "p95 ms",
                "<200",
                "bound p50",
                "bound p95",
                "bound/page",
                "load page/bound",
                "other cores",
            ],
            rows,
        )
        print(
            "bound/page = brute-force SQL p95 / page p95 (server time, rendering included);"
            " above 1 the roll-up page wins"
        )
        equal, rolled, raw = _totals_equal(year)
        print(f"totals equal: {'yes' if equal else 'no'} (12 months, roll-ups {rolled})")
        if not equal:
            print(f"  raw rows: {raw}")
        print(f"load average at end: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
