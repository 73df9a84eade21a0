"""Demo data for the counters programme, built through its services: three EV counters in
Hangzhou malls, each served by a demo store, with four bays (an e-bike, a helmet, a
battery, a charger) stocked from that store by an inventory transfer, generated media (a
banner and a 360° spin of the e-bike drawn with Pillow) and ad campaigns for the idle loop,
a device credential written to the data directory (for `omniretail counter-sim`; never
printed in a URL), a one-time pairing link for the kiosk screen, a scan lead and a repair
ticket."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from omniretail.counters import ads, demo_media, kiosk, leads, repairs, services
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
# what each counter sells, bay by bay: (a word of the product's name, par level, capacity)
EV_BAYS = [("电动自行车", 1, 2), ("头盔", 2, 6), ("电池", 1, 4), ("充电器", 2, 4)]


def _credentials_dir():
    path = settings.DATA_DIR / "counters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ev_products(city) -> list[list]:
    """The demo's e-bikes, helmets, batteries and chargers, each kind in catalogue order."""
    return [[p for p in city.products if word in p.name] for word, _par, _cap in EV_BAYS]


def _campaigns(owner, merchant) -> None:
    now = timezone.now()
    for name, lines, start, days, regions in [
        ("双十二 电动车节", ["新国标电动自行车 直降 300 元", "扫码下单，柜门自动打开"], -1, 14, []),
        ("骑行安全 头盔加购", ["3C 认证头盔 加购价 99 元", "杭州门店均可自提"], -1, 30, ["杭州"]),
        ("春季试驾周", ["到店试驾 送充电器"], 10 * 24, 7, []),
    ]:
        ads.create_campaign(
            actor=owner,
            merchant=merchant,
            name=name,
            creative_files=[demo_media.ad_creative(title=name, lines=lines)],
            starts_at=now + timedelta(hours=start),
            ends_at=now + timedelta(hours=start, days=days),
            seconds=8,
            regions=regions,
        )


def load(city) -> list[str]:
    kinds = _ev_products(city)
    if not all(kinds):
        return []
    lines = ["", "智能售货柜 (smart counters, electric vehicles):"]
    base = settings.OMNI_PUBLIC_BASE_URL
    media = {
        "media": [demo_media.banner(title="新国标电动自行车", subtitle="扫码即买 · 门店试驾")],
        "spins": [demo_media.spin_frames(prefix="ebike")],
        "videos": [],
    }
    campaigned = set()
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
            content={"headline": f"{name} · 电动车扫码自助购", **media},
        )
        source = inventory.location_for_store(store)
        restock = []
        for bay, ((word, par, capacity), products) in enumerate(zip(EV_BAYS, kinds, strict=True)):
            sku = products[index % len(products)].skus.order_by("price").first()
            inventory.receive_stock(actor=owner, location=source, sku=sku, quantity=20)
            services.add_bay(
                actor=owner,
                counter=counter,
                number=str(bay + 1),
                sku=sku,
                par_level=par,
                capacity=capacity,
                test_ride=word == "电动自行车",  # the e-bikes are test-ridden at the store
            )
            restock.append({"bay": str(bay + 1), "quantity": capacity - (bay + index) % 2})
        services.restock(actor=owner, counter=counter, lines=restock)
        if merchant.pk not in campaigned:
            _campaigns(owner, merchant)
            campaigned.add(merchant.pk)
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
            leads.record_scan(counter=counter, product=kinds[0][0], user=city.shoppers[0])
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
    lines.append(f"  ops: {base}/ops/counters/ (ads: {base}/ops/counter-ads/)")
    return lines
