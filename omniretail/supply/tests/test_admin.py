"""The admin shows a producer its own purchase orders and shares, read-only."""

from omniretail.conftest import admin_client_for


def test_producer_sees_only_its_statements_in_the_admin(channel):
    from datetime import date

    from omniretail.supply import settlement

    product = channel.upload()
    channel.approve(product)
    channel.stock_store(product, quantity=10)
    settlement.issue_statements(period_start=date.today(), period_end=date.today())
    client = admin_client_for(channel.maker, "view_statement", "view_allocation")
    page = client.get("/admin/supply/statement/").content.decode()
    assert channel.producer.name in page and channel.retailer.name not in page
    assert client.get("/admin/supply/allocation/").status_code == 200
    assert client.get("/admin/supply/statement/add/").status_code == 403
