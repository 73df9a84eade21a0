"""The demo city: a platform, 2 regional operation centres, 3 producers, 6 merchants with 12
stores around Hangzhou, 200 approved products and the accounts to try it all with.

Everything is created through the domain services, in one transaction, so the demo is both
a smoke test of the services and all-or-nothing; a second run finds it loaded and only
prints the credentials again."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership, Organization, User
from omniretail.analytics import demo as analytics_demo
from omniretail.catalog import demo_photos
from omniretail.catalog import services as catalog
from omniretail.codes import demo as codes_demo
from omniretail.counters import demo as counters_demo
from omniretail.groupbuy import demo as groupbuy_demo
from omniretail.loyalty import demo as loyalty_demo
from omniretail.merchandising import demo as merchandising_demo
from omniretail.merchandising import showcase_demo
from omniretail.pointsmall import demo as pointsmall_demo
from omniretail.referrals import demo as referrals_demo
from omniretail.service import demo as service_demo
from omniretail.stores import services as stores
from omniretail.supply import demo as supply_demo

PLATFORM_CODE = "platform"
CREDENTIALS_FILE = "demo_credentials.json"
SHOPPER_PHONES = ["13800000001", "13800000002", "13800000003"]

REGIONS = [("hz-west", "杭州西湖运营中心"), ("hz-east", "杭州钱塘运营中心")]

PRODUCERS = [
    ("lvyuan", "绿源生物", "美妆护肤", ["水润坊", "本草颜"]),
    ("longjing", "西湖龙井茶业", "茶饮冲调", ["狮峰", "梅家坞"]),
    ("jiangnan", "江南食品", "休闲食品", ["江南味道", "知味观"]),
]

# (code, name, region, owner username, stores: (name, address, district, lat, lon, main products))
MERCHANTS = [
    (
        "hubin",
        "湖滨优选",
        "hz-west",
        [
            (
                "湖滨银泰店",
                "上城区延安路258号湖滨银泰in77 B1",
                "上城区",
                30.2588,
                120.1648,
                "美妆、茶叶",
            ),
            ("龙翔桥店", "上城区延安路龙翔桥地铁站A口", "上城区", 30.2636, 120.1664, "零食、日用"),
        ],
    ),
    (
        "wulin",
        "武林生活馆",
        "hz-west",
        [
            (
                "武林广场店",
                "拱墅区武林广场1号杭州大厦B座1层",
                "拱墅区",
                30.2761,
                120.1637,
                "美妆护肤",
            ),
            ("凤起路店", "上城区凤起路与中山北路交叉口", "上城区", 30.2690, 120.1705, "茶饮、食品"),
        ],
    ),
    (
        "xixi",
        "西溪鲜生",
        "hz-west",
        [
            (
                "西溪印象城店",
                "余杭区五常大道1号西溪印象城L1",
                "余杭区",
                30.2747,
                120.0706,
                "生鲜、零食",
            ),
            ("文三路店", "西湖区文三路90号", "西湖区", 30.2790, 120.1358, "日用、电动车配件"),
        ],
    ),
    (
        "binjiang",
        "滨江智选",
        "hz-east",
        [
            (
                "星光大道店",
                "滨江区闻涛路星光大道一期",
                "滨江区",
                30.2076,
                120.2115,
                "电动出行、日用",
            ),
            ("江南大道店", "滨江区江南大道588号", "滨江区", 30.2119, 120.2270, "美妆、食品"),
        ],
    ),
    (
        "qiantang",
        "钱塘便利",
        "hz-east",
        [
            ("钱江新城店", "上城区富春路701号万象城B1", "上城区", 30.2473, 120.2134, "零食、茶饮"),
            ("庆春广场店", "上城区庆春东路68号", "上城区", 30.2590, 120.2060, "日用、生鲜"),
        ],
    ),
    (
        "xiasha",
        "下沙e购",
        "hz-east",
        [
            (
                "金沙湖店",
                "钱塘区金沙湖大道与海达南路交叉口",
                "钱塘区",
                30.3094,
                120.3271,
                "电动车、配件",
            ),
            ("高沙店", "钱塘区学源街与文泽路交叉口", "钱塘区", 30.3166, 120.3420, "零食、日用"),
        ],
    ),
]

# (slug, name, name_en, icon, children: (slug, name, name_en, producer code or merchant, items))
CATEGORIES = [
    (
        "beauty",
        "美妆护肤",
        "Beauty",
        "💄",
        [
            (
                "masks",
                "面膜",
                "Face masks",
                "lvyuan",
                [
                    ("补水保湿面膜10片", "玻尿酸深层补水", "39.90"),
                    ("积雪草修护面膜", "舒缓泛红 敏感肌可用", "59.00"),
                    ("烟酰胺亮肤面膜5片", "提亮肤色", "45.00"),
                    ("清洁泥膜100g", "深层清洁毛孔", "68.00"),
                    ("睡眠面膜80ml", "免洗 夜间修护", "79.00"),
                    ("蚕丝面膜12片", "轻薄贴合", "88.00"),
                ],
            ),
            (
                "skincare",
                "护肤",
                "Skin care",
                "lvyuan",
                [
                    ("氨基酸洁面乳120g", "温和不紧绷", "49.00"),
                    ("保湿爽肤水200ml", "补水舒缓", "69.00"),
                    ("维C精华液30ml", "抗氧化 提亮", "158.00"),
                    ("修护乳液100ml", "锁水保湿", "89.00"),
                    ("防晒霜SPF50 50ml", "清爽不油腻", "99.00"),
                    ("眼霜15g", "淡化细纹", "128.00"),
                ],
            ),
        ],
    ),
    (
        "tea",
        "茶饮冲调",
        "Tea & drinks",
        "🍵",
        [
            (
                "green-tea",
                "绿茶",
                "Green tea",
                "longjing",
                [
                    ("明前西湖龙井250g", "核心产区 手工炒制", "398.00"),
                    ("雨前龙井500g", "口粮茶 性价比高", "198.00"),
                    ("安吉白茶100g", "鲜爽甘醇", "168.00"),
                    ("径山茶礼盒", "送礼佳品", "268.00"),
                    ("龙井茶包20袋", "便捷冲泡", "39.00"),
                ],
            ),
            (
                "black-tea",
                "红茶与花茶",
                "Black & flower tea",
                "longjing",
                [
                    ("九曲红梅150g", "杭州传统红茶", "128.00"),
                    ("杭白菊50g", "桐乡胎菊 清热", "29.90"),
                    ("桂花乌龙茶包", "满觉陇桂花窨制", "35.00"),
                    ("柠檬红茶冲饮", "冷泡热饮皆宜", "25.00"),
                ],
            ),
        ],
    ),
    (
        "snacks",
        "休闲食品",
        "Snacks",
        "🥮",
        [
            (
                "pastry",
                "糕点",
                "Pastry",
                "jiangnan",
                [
                    ("定胜糕6只装", "杭州传统糕点", "22.00"),
                    ("桂花糕礼盒", "软糯香甜", "36.00"),
                    ("龙井茶酥", "茶香酥脆", "32.00"),
                    ("葱包桧", "杭州小吃 速冻装", "18.00"),
                    ("鲜肉月饼8只", "现烤酥皮", "48.00"),
                ],
            ),
            (
                "nuts",
                "坚果蜜饯",
                "Nuts & dried fruit",
                "jiangnan",
                [
                    ("临安山核桃仁200g", "手剥 椒盐味", "69.00"),
                    ("每日坚果30袋", "混合坚果", "129.00"),
                    ("笋干300g", "天目山笋", "45.00"),
                    ("话梅150g", "酸甜开胃", "19.90"),
                    ("香榧100g", "诸暨特产", "88.00"),
                ],
            ),
        ],
    ),
    (
        "home",
        "家居日用",
        "Home",
        "🧴",
        [
            (
                "cleaning",
                "清洁用品",
                "Cleaning",
                "merchant",
                [
                    ("洗衣凝珠30颗", "深层去渍", "39.90"),
                    ("厨房油污净500ml", "强力去油", "19.90"),
                    ("竹浆抽纸24包", "本色无漂白", "49.90"),
                    ("洗手液500ml", "抑菌配方", "16.80"),
                ],
            ),
        ],
    ),
    (
        "mobility",
        "电动出行",
        "E-mobility",
        "🛵",
        [
            (
                "e-bikes",
                "电动车与配件",
                "E-bikes & parts",
                "merchant",
                [
                    ("新国标电动自行车", "续航60公里", "2699.00"),
                    ("锂电池48V20Ah", "原厂电芯", "899.00"),
                    ("电动车头盔", "3C认证", "129.00"),
                    ("智能充电器", "自动断电", "159.00"),
                ],
            ),
        ],
    ),
]

# Each business programme (loyalty, group buys, counters, the supply channel, ...) adds its
# own demo data through a module with `load(city) -> list[str]`: the lines it returns are
# printed with the credentials.
PROGRAMMES: tuple = (
    loyalty_demo,
    analytics_demo,  # after loyalty: its birthday campaign gives loyalty's coupon
    codes_demo,
    pointsmall_demo,
    referrals_demo,
    groupbuy_demo,
    counters_demo,
    supply_demo,
    service_demo,
    merchandising_demo,
    showcase_demo,  # last: it ranks the orders the others placed
)


@dataclass
class City:
    """What the core demo built, handed to each programme's loader."""

    platform: Organization
    admin: User
    regions: dict[str, Organization]
    producers: dict[str, Organization]
    merchants: dict[str, tuple[Organization, User]]
    products: list = field(default_factory=list)
    shoppers: list[User] = field(default_factory=list)


SPECS = ["标准装", "家庭装", "尝鲜装", "礼盒装", "组合装", "升级款", "旗舰款", "经典款"]


# One account for each role of the demo city, with the console it lands on. Passwords are
# generated like the others; the shopper signs in with an SMS code (printed in the
# console). The sign-in page lists them while the embedded demo runs (`sign_in_accounts`).
R = Membership.Role
ROLE_ACCOUNTS = [
    # (role, username, organisation code, membership role, console)
    ("顾客", SHOPPER_PHONES[0], "", "", "/me/"),
    ("店员（收银）", "hubin-clerk", "hubin", R.STAFF, "/merchant/till/"),
    ("店长", "hubin-manager", "hubin", R.MANAGER, "/merchant/"),
    ("商家店主", "hubin-owner", "hubin", R.OWNER, "/merchant/"),
    ("客服", "hubin-service", "hubin", R.CUSTOMER_SERVICE, "/merchant/service/"),
    ("厂家", "lvyuan-staff", "lvyuan", R.OWNER, "/supply/producer/"),
    ("区域经理", "hz-west-ops", "hz-west", R.MANAGER, "/supply/region/"),
    ("平台运营", "platform-ops", PLATFORM_CODE, R.MANAGER, "/supply/review/"),
    ("骑手", "hubin-rider", "hubin", R.STAFF, "/rider/"),
]
EXTRA_STAFF = [
    row
    for row in ROLE_ACCOUNTS
    if row[1] in {"hubin-clerk", "hubin-manager", "hubin-service", "platform-ops", "hubin-rider"}
]  # the rest are made with their organisation


def _role_accounts(creds: dict[str, str]) -> None:
    """The staff accounts only the role list needs (clerk, store manager, customer
    service, platform operator, rider); a second run finds them."""
    for _label, username, org_code, role, _console in EXTRA_STAFF:
        _staff(Organization.objects.get(code=org_code), username, creds[username], role)


def sign_in_accounts() -> list[dict]:
    """The role accounts for the sign-in page: only in the embedded demo
    (`settings.OMNI_EMBEDDED`, which `omniretail demo` sets) once the city is loaded."""
    if not settings.OMNI_EMBEDDED or not _data_file().exists():
        return []
    if not Organization.objects.filter(code=PLATFORM_CODE).exists():
        return []
    creds = json.loads(_data_file().read_text())
    return [
        {
            "role": label,
            "username": username,
            "password": creds.get(username, "") if org_code else "",
            "console": console,
        }
        for label, username, org_code, _role, console in ROLE_ACCOUNTS
        if not org_code or username in creds
    ]


def _data_file():
    return settings.DATA_DIR / CREDENTIALS_FILE


def _credentials() -> dict[str, str]:
    """Demo passwords are generated once per data directory, never hard-coded."""
    path = _data_file()
    creds = json.loads(path.read_text()) if path.exists() else {}
    names = ["admin", *(f"{code}-owner" for code, *_ in MERCHANTS)]
    names += [f"{code}-staff" for code, *_ in PRODUCERS]
    names += [f"{code}-ops" for code, _ in REGIONS]
    names += [username for _l, username, *_ in EXTRA_STAFF]
    missing = [name for name in names if name not in creds]
    if missing:  # a data directory from before an account was added gets it now
        creds.update({name: secrets.token_urlsafe(9) for name in missing})
        path.write_text(json.dumps(creds, indent=2))
        path.chmod(0o600)
    return creds


def _staff(org: Organization, username: str, password: str, role=Membership.Role.OWNER) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = accounts.create_staff(
            username=username, password=password, organization=org, role=role
        )
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _products_for(items, count: int):
    """Expand a leaf category's items with pack variants until `count` products exist."""
    out = []
    for i in range(count):
        name, subtitle, price = items[i % len(items)]
        variant = i // len(items)
        if variant:
            name = f"{name}（{SPECS[(variant - 1) % len(SPECS)]}）"
            price = str(Decimal(price) * (1 + Decimal(variant) / 2))
        out.append((name, subtitle, Decimal(price).quantize(Decimal("0.01"))))
    return out


@transaction.atomic
def load_demo_city(product_total: int = 200) -> dict:
    creds = _credentials()
    platform = Organization.objects.filter(code=PLATFORM_CODE).first()
    if platform is not None:
        _staff(platform, "admin", creds["admin"])
        _role_accounts(creds)
        return {"created": False, "credentials": creds}

    platform = accounts.create_organization(
        kind="platform", name="全渠道平台管理中心", code=PLATFORM_CODE
    )
    admin = _staff(platform, "admin", creds["admin"])
    User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
    admin.refresh_from_db()

    regions = {}
    for code, name in REGIONS:
        regions[code] = accounts.create_organization(kind="region", name=name, code=code)
        _staff(regions[code], f"{code}-ops", creds[f"{code}-ops"], Membership.Role.MANAGER)

    producers = {}
    brands = {}
    for code, name, _field, brand_names in PRODUCERS:
        producers[code] = accounts.create_organization(kind="producer", name=name, code=code)
        staff = _staff(producers[code], f"{code}-staff", creds[f"{code}-staff"])
        brands[code] = [
            catalog.create_brand(
                actor=staff, producer=producers[code], name=b, story=f"{name}旗下品牌"
            )
            for b in brand_names
        ]

    merchants = {}
    for code, name, region_code, store_rows in MERCHANTS:
        merchant = accounts.create_organization(
            kind="merchant", name=name, code=code, region=regions[region_code]
        )
        owner = _staff(merchant, f"{code}-owner", creds[f"{code}-owner"])
        merchants[code] = (merchant, owner)
        for index, (store_name, address, district, lat, lon, main) in enumerate(store_rows):
            store = stores.create_store(
                actor=owner,
                merchant=merchant,
                name=f"{name}·{store_name}",
                address=address,
                lat=lat,
                lon=lon,
                phone=f"0571-8{index}{len(merchants):02d}{index}{index + 1}88",
                city="杭州",
                district=district,
                main_products=main,
            )
            hours = (
                [{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]
                if code == "qiantang" and index == 0  # a 24-hour convenience store
                else [{"weekday": d, "opens": "09:00", "closes": "22:00"} for d in range(7)]
            )
            stores.set_opening_hours(actor=owner, store=store, hours=hours)
            if index == 1:
                stores.set_exception(
                    actor=owner,
                    store=store,
                    date=date.today() + timedelta(days=7),
                    is_closed=True,
                    note="盘点闭店",
                )

    leaves = []
    for position, (slug, name, name_en, icon, children) in enumerate(CATEGORIES):
        root = catalog.create_category(
            actor=admin, name=name, slug=slug, name_en=name_en, icon=icon, position=position
        )
        for child_pos, (c_slug, c_name, c_name_en, owner_kind, items) in enumerate(children):
            leaf = catalog.create_category(
                actor=admin,
                name=c_name,
                slug=c_slug,
                parent=root,
                name_en=c_name_en,
                position=child_pos,
            )
            leaves.append((leaf, owner_kind, items))

    per_leaf, extra = divmod(product_total, len(leaves))
    merchant_list = list(merchants.values())
    made = 0
    city = City(
        platform=platform, admin=admin, regions=regions, producers=producers, merchants=merchants
    )
    for leaf_index, (leaf, owner_kind, items) in enumerate(leaves):
        count = per_leaf + (1 if leaf_index < extra else 0)
        for i, (name, subtitle, price) in enumerate(_products_for(items, count)):
            if owner_kind == "merchant":
                owner, actor = merchant_list[(made + i) % len(merchant_list)]
                brand = None
            else:
                owner = producers[owner_kind]
                actor = User.objects.get(username=f"{owner_kind}-staff")
                brand = brands[owner_kind][i % len(brands[owner_kind])]
            special = i % 7 == 3
            product = catalog.create_product(
                actor=actor,
                owner=owner,
                category=leaf,
                brand=brand,
                name=name,
                subtitle=subtitle,
                description=f"{name}。{subtitle}。杭州本地门店可自提，支持同城配送。",
                skus=[
                    {"code": f"D{made + i + 1:04d}-1", "name": "单件", "price": str(price)},
                    {
                        "code": f"D{made + i + 1:04d}-2",
                        "name": "两件装",
                        "price": str((price * Decimal("1.9")).quantize(Decimal("0.01"))),
                    },
                ],
                compare_at_price=(price * Decimal("1.25")).quantize(Decimal("0.01"))
                if special
                else None,
            )
            catalog.submit_product(actor=actor, product=product)
            catalog.review_product(actor=admin, product=product, approve=True)
            city.products.append(product)
            if i % 5 == 0 or special or i % 11 == 4:
                catalog.set_product_flags(
                    actor=admin,
                    product=product,
                    is_featured=i % 5 == 0,
                    is_special_offer=special,
                    is_free_sample=i % 11 == 4,
                )
        made += count

    _role_accounts(creds)
    for phone in SHOPPER_PHONES:
        shopper, _created = User.objects.get_or_create(
            phone=phone,
            defaults={"username": f"m{phone}", "display_name": f"{phone[:3]}****{phone[-4:]}"},
        )
        city.shoppers.append(shopper)
    notes = [line for programme in PROGRAMMES for line in programme.load(city)]
    photographed = demo_photos.photograph_catalogue(actor=admin)
    if not demo_photos.has_cjk_font():
        notes.append(f"{photographed} 张商品图片已生成（本机无中文字体，图片上未写商品名）。")
    return {"created": True, "credentials": creds, "products": made, "notes": notes}


def print_credentials(summary: dict, base_url: str) -> None:
    creds = summary["credentials"]
    state = "loaded" if summary["created"] else "already loaded, nothing added"
    lines = [
        "",
        f"Demo city of 杭州 {state}.",
        f"  H5 mall:        {base_url}/",
        f"  Admin:          {base_url}/admin/   user admin / {creds['admin']}",
        f"  API docs:       {base_url}/api/docs",
        "  One account per role (shown on /login/ while this demo runs; docs/demo.md):",
    ]
    for label, username, org_code, _role, console in ROLE_ACCOUNTS:
        password = creds[username] if org_code else "SMS code, printed here"
        lines.append(f"    {label:<8} {username:<16} {password:<22} -> {console}")
    lines.append("  Other staff (password login at /login/):")
    shown = {row[1] for row in ROLE_ACCOUNTS}
    for username, password in creds.items():
        if username != "admin" and username not in shown:
            lines.append(f"    {username:<18} {password}")
    lines.append("  Shoppers (SMS-code login at /login/; the code is printed in this console):")
    lines.extend(f"    {phone}" for phone in SHOPPER_PHONES)
    lines.extend(f"  {note}" for note in summary.get("notes", []))
    lines.append(f"  Credentials are kept in {_data_file()}")
    print("\n".join(lines), flush=True)
