"""PostgreSQL proofs: a shipment signed for by several clerks at once goes into stock and is
settled once, racing shipments never ship more than was ordered, and racing approvals of a
retailer's application open one merchant with one joining reward, and one applicant's
racing applications leave one pending."""

import pytest

from omniretail.accounts.models import Organization, User
from omniretail.conftest import make_staff
from omniretail.core.errors import DomainError
from omniretail.inventory.models import StockLevel
from omniretail.ledger.models import Posting
from omniretail.supply import onboarding, procurement
from omniretail.supply.models import Allocation, MerchantApplication
from omniretail.supply.tests.test_onboarding import ALIBABA, CODE, TENCENT, form, licence_jpeg

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _confirmed_order(channel, quantity):
    product = channel.upload()
    channel.approve(product)
    po = procurement.place_order(
        actor=channel.clerk, store=channel.store, lines=[(channel.select(product), quantity)]
    )
    procurement.confirm_order(actor=channel.region_ops, order=po)
    return po, product.skus.get().public_id


def test_racing_receipts_of_one_shipment_stock_it_once(channel, race):
    po, sku = _confirmed_order(channel, 50)
    shipment = procurement.ship(actor=channel.region_ops, order=po, quantities={sku: 50})
    clerks = [channel.clerk] + [make_staff(channel.retailer, f"clerk-{i}") for i in range(7)]
    outcomes = race(8, lambda i: procurement.receive(actor=clerks[i], shipment=shipment))
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, DomainError) for o in outcomes if isinstance(o, Exception))
    assert StockLevel.objects.get(location__store=channel.store).on_hand == 50
    assert Allocation.objects.filter(source_ref=po.public_id).count() == 4


def test_racing_shipments_never_exceed_the_order(channel, race):
    po, sku = _confirmed_order(channel, 100)

    def ship(_i):
        return procurement.ship(actor=channel.region_ops, order=po, quantities={sku: 30})

    outcomes = race(6, ship)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 3
    assert po.lines.get().quantity_shipped == 90


def test_racing_approvals_open_one_merchant_and_grant_its_reward_once(
    race, platform, platform_staff
):
    onboarding.configure_reward(actor=platform_staff, points=2000, fee_waiver_days=30)
    applicant = User.objects.create(username="m13900001234", phone="13900001234")
    application = onboarding.apply(applicant=applicant, licence_files=[licence_jpeg()], **form())
    operators = [platform_staff] + [make_staff(platform, f"ops-{i}") for i in range(5)]

    def approve(i):
        mine = MerchantApplication.objects.get(pk=application.pk)
        onboarding.review(actor=operators[i], application=mine, approve=True)
        return onboarding.grant_joining_reward(mine)  # a retry after the approval

    outcomes = race(6, approve)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, DomainError) for o in outcomes if isinstance(o, Exception))
    application.refresh_from_db()
    assert Organization.objects.filter(kind=Organization.Kind.MERCHANT).count() == 1
    assert onboarding.merchant_points_account(application.organization).balance == 2000
    assert Posting.objects.filter(kind=onboarding.REWARD_KIND).count() == 1


def test_racing_applications_of_one_applicant_leave_one_pending(race):
    applicant = User.objects.create(username="m13900001234", phone="13900001234")
    codes = [TENCENT, ALIBABA, CODE]

    def apply(i):
        return onboarding.apply(
            applicant=applicant, licence_files=[licence_jpeg()], **form(credit_code=codes[i])
        )

    outcomes = race(3, apply)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(getattr(o, "code", "") == "application_pending" for o in refused)
    assert MerchantApplication.objects.count() == 1


def test_racing_funded_coupon_issues_never_spend_more_than_the_coupon_budget(
    race, platform, platform_staff
):
    """A ¥30.00 joining budget and 8 members each sent a ¥10 platform-funded coupon at
    once: three are issued, five refused, and the budget ends at zero, never below."""
    from decimal import Decimal

    from omniretail.loyalty import budget, coupons, members
    from omniretail.loyalty.models import Coupon

    onboarding.configure_reward(
        actor=platform_staff, points=0, fee_waiver_days=0, coupon_budget="30.00"
    )
    applicant = User.objects.create(username="m13900001234", phone="13900001234")
    application = onboarding.apply(applicant=applicant, licence_files=[licence_jpeg()], **form())
    onboarding.review(actor=platform_staff, application=application, approve=True)
    org = MerchantApplication.objects.get(pk=application.pk).organization
    template = coupons.define_template(
        org=org, name="平台补贴减10", kind="amount", amount_off="10", platform_funded=True
    )
    holders = []
    for i in range(8):
        user = User.objects.create(username=f"m1370000010{i}", phone=f"1370000010{i}")
        members.activate(user=user, org=org)
        holders.append(user)

    def issue(i):
        return coupons.issue_coupon(
            template=template, user=holders[i], source="staff", idempotency_key=f"race-{i}"
        )

    outcomes = race(8, issue)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 5, outcomes
    assert {getattr(o, "code", repr(o)) for o in refused} == {"coupon_budget_exhausted"}
    assert Coupon.objects.filter(template=template).count() == 3
    assert budget.budget_left(org) == Decimal("0.00")
