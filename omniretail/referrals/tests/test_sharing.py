"""Sharing a product, the signed link, and which click a sale is attributed to."""

from datetime import timedelta

import pytest
from django.db import connection

from omniretail.core import signing
from omniretail.core.errors import NotFound
from omniretail.ledger.selectors import balance_for_user
from omniretail.referrals import links, services
from omniretail.referrals.models import Attribution, ShareAward, ShareLink, ShareVisit

pytestmark = pytest.mark.django_db
POINTS = "PTS:PLATFORM"
ONE_STATEMENT = connection.vendor == "postgresql"  # a click is services.CLICK_SQL there


def test_sharing_earns_points_once_per_product_per_day(referrals):
    sharer = referrals.sharer
    first = referrals.share(sharer)
    again = referrals.share(sharer)
    assert first == again  # one private link per product
    assert balance_for_user(sharer, POINTS) == 10

    referrals.share(sharer, referrals.sku2.product)
    assert balance_for_user(sharer, POINTS) == 20

    ShareAward.objects.update(day=ShareAward.objects.first().day - timedelta(days=1))
    referrals.share(sharer)
    referrals.share(sharer)
    assert balance_for_user(sharer, POINTS) == 30


def test_clicks_on_a_link_earn_the_sharer_no_points(referrals):
    token = referrals.share(referrals.sharer)
    for _ in range(3):
        referrals.click(referrals.buyer, token)
    assert balance_for_user(referrals.sharer, POINTS) == 10
    assert ShareVisit.objects.count() == 1  # the same visitor's click moves, not multiplies


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: ("x" if t[0] != "x" else "y") + t[1:],
        lambda t: t[:20] + ("0" if t[20] != "0" else "1") + t[21:],
        lambda t: t + "A",
        lambda t: t[:-2],
        lambda t: "not-a-share-link",
        lambda t: links.token_for("01hzzzzzzzzzzzzzzzzzzzzzzz"),  # genuine shape, no such link
    ],
)
def test_forged_or_tampered_link_is_refused_and_records_nothing(referrals, tamper):
    token = referrals.share(referrals.sharer)
    forged = tamper(token)
    assert forged != token
    with pytest.raises(services.InvalidShareLink) as refused:
        services.record_visit(token=forged, visitor=referrals.buyer)
    assert refused.value.status == 422 and "token" in refused.value.fields
    assert ShareVisit.objects.count() == 0


def test_a_link_signed_with_a_key_outside_the_ring_is_refused(referrals, monkeypatch):
    token = referrals.share(referrals.sharer)
    kid = token[: signing.KID_LENGTH]
    with monkeypatch.context() as m:
        m.setattr(signing, "signing_key", lambda: (kid, b"another-site-secret-" + b"x" * 40))
        forged = links.token_for(ShareLink.objects.get().public_id)
    assert forged != token and forged[: signing.KID_LENGTH] == kid
    with pytest.raises(services.InvalidShareLink):
        services.record_visit(token=forged, visitor=referrals.buyer)
    assert ShareVisit.objects.count() == 0


def test_opening_ones_own_link_is_refused_and_records_nothing(referrals):
    token = referrals.share(referrals.sharer)
    with pytest.raises(services.SelfReferral) as refused:
        services.record_visit(token=token, visitor=referrals.sharer)
    assert refused.value.status == 409
    assert ShareVisit.objects.count() == 0


def test_a_link_to_a_product_taken_off_sale_is_refused_and_records_nothing(referrals):
    token = referrals.share(referrals.sharer)
    earlier = referrals.click(referrals.buyer, token, days_ago=1)
    guest = services.record_visit(token=token)
    referrals.product.status = "rejected"
    referrals.product.save(update_fields=["status"])
    for visitor, earlier_ids in ((referrals.buyer, ()), (None, [guest.public_id]), (None, ())):
        with pytest.raises(NotFound) as refused:
            services.record_visit(token=token, visitor=visitor, earlier_visit_ids=earlier_ids)
        assert refused.value.status == 404 and "下架" in str(refused.value)
    assert ShareVisit.objects.count() == 2
    assert ShareVisit.objects.get(pk=earlier.pk).visited_at == earlier.visited_at
    assert ShareVisit.objects.get(pk=guest.pk).visited_at == guest.visited_at


def test_buying_through_ones_own_link_as_a_guest_earns_nothing(referrals):
    token = referrals.share(referrals.sharer)
    guest_visit = services.record_visit(token=token)
    assert services.claim_visits(user=referrals.sharer, visit_ids=[guest_visit.public_id]) == 0
    referrals.buy(referrals.sharer)
    assert Attribution.objects.count() == 0


def test_the_sale_goes_to_the_sharer_whose_link_was_clicked(referrals):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    order = referrals.buy(referrals.buyer, complete=False)
    attribution = Attribution.objects.get()
    assert (attribution.order, attribution.sharer, attribution.buyer) == (
        order,
        referrals.sharer,
        referrals.buyer,
    )
    assert attribution.status == "pending" and str(attribution.base) == "39.90"


def test_last_valid_link_wins(referrals):
    first = referrals.share(referrals.sharer)
    second = referrals.share(referrals.other)
    referrals.click(referrals.buyer, first, days_ago=2)
    referrals.click(referrals.buyer, second, days_ago=1)
    referrals.buy(referrals.buyer, complete=False)
    assert Attribution.objects.get().sharer == referrals.other


def test_expired_click_is_ignored_and_an_older_valid_one_is_not_revived(referrals):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token, days_ago=8)  # the default window is 7 days
    referrals.buy(referrals.buyer, complete=False)
    assert Attribution.objects.count() == 0


def test_a_longer_window_set_by_the_merchant_keeps_the_click(referrals):
    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, attribution_days=10
    )
    expired = referrals.share(referrals.other)
    valid = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, expired, days_ago=11)
    referrals.click(referrals.buyer, valid, days_ago=9)
    referrals.buy(referrals.buyer, complete=False)
    assert Attribution.objects.get().sharer == referrals.sharer


def test_a_sale_through_a_link_earns_nothing_while_the_merchant_has_paused_sharing(referrals):
    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, is_active=False
    )
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    referrals.buy(referrals.buyer, complete=False)
    assert Attribution.objects.count() == 0


def test_a_guest_click_counts_once_the_guest_logs_in(referrals):
    token = referrals.share(referrals.sharer)
    guest_visit = services.record_visit(token=token)
    assert services.claim_visits(user=referrals.buyer, visit_ids=[guest_visit.public_id]) == 1
    referrals.buy(referrals.buyer, complete=False)
    assert Attribution.objects.get().sharer == referrals.sharer


def test_only_the_shared_product_of_a_mixed_order_is_attributed(referrals):
    token = referrals.share(referrals.sharer, referrals.sku2.product)
    referrals.click(referrals.buyer, token)
    referrals.buy(referrals.buyer, lines=[(referrals.sku, 2), (referrals.sku2, 1)], complete=False)
    attribution = Attribution.objects.get()
    assert attribution.product == referrals.sku2.product
    assert str(attribution.base) == "398.00"


def test_paying_twice_notified_attributes_once(referrals):
    from omniretail.orders.services import mark_paid

    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    order = referrals.buy(referrals.buyer, complete=False)
    with referrals.capture(execute=True):
        mark_paid(order_id=order.public_id, intent_id=order.payment_intent_id)
    services.attribute_order(order_id=order.public_id)
    assert Attribution.objects.count() == 1


def test_a_click_and_an_attribution_stay_within_a_few_queries(
    referrals, django_assert_max_num_queries
):
    token = referrals.share(referrals.sharer)
    referrals.click(referrals.buyer, token)
    with django_assert_max_num_queries(2):  # the link, then the visit moved
        services.record_visit(token=token, visitor=referrals.buyer)
    order = referrals.buy(referrals.buyer, complete=False)
    Attribution.objects.all().delete()
    with django_assert_max_num_queries(14):
        services.attribute_order(order_id=order.public_id)
    assert Attribution.objects.count() == 1


def test_a_repeated_click_moves_the_same_visit_in_one_statement_after_the_link(
    referrals, django_assert_num_queries
):
    token = referrals.share(referrals.sharer)
    first = referrals.click(referrals.buyer, token, days_ago=1)
    # the link and product, the visit moved
    with django_assert_num_queries(1 if ONE_STATEMENT else 2):
        again = services.record_visit(token=token, visitor=referrals.buyer)
    assert again.pk == first.pk and again.public_id == first.public_id
    assert ShareVisit.objects.get().visited_at == again.visited_at > first.visited_at
    assert again.link.product.name == referrals.product.name


def test_a_first_click_reads_the_link_and_writes_one_visit(referrals, django_assert_num_queries):
    token = referrals.share(referrals.sharer)
    # the link, no visit to move, the new one
    with django_assert_num_queries(1 if ONE_STATEMENT else 3):
        visit = services.record_visit(token=token, visitor=referrals.buyer)
    assert ShareVisit.objects.get().pk == visit.pk
    assert ShareVisit.objects.get().visitor == referrals.buyer


def test_a_guest_click_again_moves_the_visit_its_session_remembers(
    referrals, django_assert_num_queries
):
    token = referrals.share(referrals.sharer)
    # the link, the new visit: none to move
    with django_assert_num_queries(1 if ONE_STATEMENT else 2):
        first = services.record_visit(token=token)
    other = services.record_visit(token=token)  # another guest, without that session
    with django_assert_num_queries(1 if ONE_STATEMENT else 2):
        again = services.record_visit(token=token, earlier_visit_ids=[first.public_id])
    assert again.pk == first.pk and again.public_id == first.public_id
    assert ShareVisit.objects.get(pk=first.pk).visited_at == again.visited_at
    assert ShareVisit.objects.get(pk=other.pk).visited_at < again.visited_at
    assert ShareVisit.objects.filter(visitor__isnull=True).count() == 2
