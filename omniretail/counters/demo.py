"""Demo data for the counters programme, built through its services: three counters in
Hangzhou malls, each served by a demo store, three bays stocked from that store by an
inventory transfer, a device credential written to the data directory (for `omniretail
counter-sim`; never printed in a URL), a one-time pairing link for the kiosk screen, a scan
lead and a repair ticket."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from omniretail.counters import kiosk, leads, repairs, services
from omniretail.counters.models import Counter
from omniretail.inventory import services as inventory

# (merchant code, counter code, name, site, address, lat, lon)
COUNTERS = [
    (
        "hubin",
        "HZ-HB-01",
        "湖滨银泰智能柜",
        "湖滨银泰 in77 B1",
        "上城区延安路258号",
        30.2591,
        120.1652,
    ),
    (
        "wulin",
        "HZ-WL-01",
        "武林广场智能柜",
        "杭州大厦 B座 1层",
        "拱墅区武林广场1号",
        30.2765,
        120.1641,
    ),
    (
        "xixi",
        "HZ-XX-01",
        "西溪印象城智能柜",
        "西溪印象城 1F 中庭",
        "余杭区五常大道1号",
        30.2805,
        120.0682,
    ),
]
BAYS = 3
CAPACITY = 4


def _credentials_dir():
    path = settings.DATA_DIR / "counters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load(city) -> list[str]:
    if len(city.products) < BAYS * len(COUNTERS):
        return []
    lines = ["", "智能售货柜 (smart counters):"]
    base = settings.OMNI_PUBLIC_BASE_URL
    for index, (merchant_code, code, name, site, address, lat, lon) in enumerate(COUNTERS):
        if merchant_code not in city.merchants:
            continue
        merchant, owner = city.merchants[merchant_code]
        store = merchant.stores.filter(is_active=True).order_by("pk").first()
        counter = services.register_counter(
            actor=owner,
            store=store,
            code=code,
            name=name,
            site_name=site,
            address=address,
            lat=lat,
            lon=lon,
            content={"headline": f"{name} · 扫码自助购", "videos": [], "media": [], "spins": []},
        )
        source = inventory.location_for_store(store)
        restock = []
        for bay in range(BAYS):
            product = city.products[index * BAYS + bay]
            sku = product.skus.order_by("price").first()
            inventory.receive_stock(actor=owner, location=source, sku=sku, quantity=20)
            services.add_bay(
                actor=owner,
                counter=counter,
                number=str(bay + 1),
                sku=sku,
                par_level=2,
                capacity=CAPACITY,
            )
            restock.append({"bay": str(bay + 1), "quantity": CAPACITY - bay})
        services.restock(actor=owner, counter=counter, lines=restock)
        credential, token = services.issue_credential(actor=owner, counter=counter)
        path = _credentials_dir() / f"{code}.json"
        path.write_text(
            json.dumps(
                {
                    "code": code,
                    "token": token,
                    "command_key": services.command_key(credential.key_id).hex(),
                }
            )
        )
        path.chmod(0o600)
        pairing, _expires = kiosk.pairing_token(actor=owner, counter=counter, ttl_s=86400)
        if city.shoppers:
            leads.record_scan(
                counter=counter, product=city.products[index * BAYS], user=city.shoppers[0]
            )
        lines += [
            f"  {code} {name} ({store.name})",
            f"    kiosk screen: {base}/counter/{code}/pair/{pairing}/",
            "                  (open once on the counter's screen within a day; a new link:",
            f"                  {base}/ops/counters/{code}/ as {owner.username})",
            f"    shopper page: {base}/counter/{code}/buy",
            f"    simulator:    omniretail counter-sim --url {base} --credentials-file {path}",
        ]
    if city.shoppers:
        first = Counter.objects.filter(code=COUNTERS[0][1]).first()
        if first is not None:
            repairs.book_repair(
                shopper=city.shoppers[0],
                counter=first,
                vehicle_serial="LYEV2026A0001",
                plate="浙A·D1234",
                fault="刹车异响，续航明显下降",
                photos=[],
                drop_off_at=timezone.now() + timedelta(days=1),
            )
    lines.append(f"  ops: {base}/ops/counters/")
    return lines
