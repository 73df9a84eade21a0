"""Demo data for customer service: the platform's knowledge base (what the labelled
questions in tests/faq_questions.csv are asked against), canned replies, and a merchant
answer of 湖滨优选's own."""

from omniretail.service import services
from omniretail.service.models import CannedReply

# (question, answer, similar phrasings, links)
PLATFORM_KB = [
    (
        "配送范围和运费是多少",
        "同城配送覆盖门店 5 公里内，满 59 元免运费，不满收 6 元；到店自提不收运费。",
        ["送货上门要运费吗", "多少钱包邮", "能送到我家吗", "配送费怎么算", "几公里内可以配送"],
        [],
    ),
    (
        "怎么开发票",
        "订单完成后在订单详情页点「申请发票」，填写抬头和税号，电子发票会发到您的邮箱。",
        ["可以开发票吗", "发票怎么申请", "需要增值税专用发票", "电子发票在哪里下载"],
        [{"title": "我的订单", "url": "/orders/"}],
    ),
    (
        "优惠券怎么使用",
        "结算时在「优惠券」一栏选择可用的券，满足门槛后自动抵扣；每笔订单限用一张。",
        ["优惠券用不了", "领的券在哪里用", "怎么用券", "优惠券可以叠加吗", "满减券怎么用"],
        [],
    ),
    (
        "积分怎么获得",
        "在门店或商城消费按金额累积积分；扫描包装上的二维码、分享商品被购买也能得积分。",
        ["怎样赚积分", "购物送积分吗", "积分是怎么算的", "消费一元给几个积分"],
        [{"title": "积分钱包", "url": "/me/points/"}],
    ),
    (
        "积分可以兑换什么",
        "积分可以在积分商城兑换商品和优惠券，兑换后到门店凭核销码领取。",
        ["积分商城在哪", "积分能换东西吗", "积分怎么用", "积分兑换礼品"],
        [{"title": "积分商城", "url": "/points-mall/"}],
    ),
    (
        "积分会过期吗",
        "积分自获得之日起一年内有效，快过期的积分会在积分钱包里提醒您。",
        ["积分有效期多久", "积分什么时候清零", "积分过期了怎么办"],
        [],
    ),
    (
        "会员等级有什么权益",
        "会员按一年内的消费分为普通、银卡、金卡，等级越高折扣越多，生日当月还有生日券。",
        ["怎么升级会员", "金卡会员有什么好处", "会员折扣是多少", "生日有优惠吗"],
        [],
    ),
    (
        "怎么修改收货地址",
        "未发货的订单可以联系门店修改地址；下次下单时在结算页填写新地址即可。",
        ["地址填错了", "收货地址写错了怎么改", "能换个地址送吗"],
        [],
    ),
    (
        "怎么取消订单",
        "待付款的订单可以直接取消；已付款未发货的订单在订单详情页申请退款即可取消。",
        ["订单不想要了怎么取消", "下错单了", "取消订单会退钱吗"],
        [{"title": "我的订单", "url": "/orders/"}],
    ),
    (
        "支持哪些支付方式",
        "支持微信支付、支付宝、账户余额，门店自提订单还可以到店付现金。",
        ["可以用支付宝吗", "能用微信付款吗", "可以货到付款吗", "余额怎么付款"],
        [],
    ),
    (
        "退款多久到账",
        "商家同意退款后，余额支付立即到账，微信和支付宝一般 1 到 3 个工作日原路退回。",
        ["退款什么时候到", "钱怎么还没退回来", "退款几天能到账", "退的钱去哪了"],
        [],
    ),
    (
        "拼团怎么玩",
        "选择拼团商品发起或加入一个团，人满成团后按规则抽签，未中签全额退款并送安慰积分。",
        ["拼团没成功怎么办", "拼团规则是什么", "没抽中钱会退吗", "怎么发起拼团"],
        [{"title": "拼团", "url": "/groupbuy/"}],
    ),
    (
        "智能售货柜怎么买东西",
        "在售货柜屏幕上选商品，用手机扫码支付，柜门打开后取走商品即可；柜门没开会自动退款。",
        ["售货柜门打不开", "无人柜怎么用", "自助柜扫码付了钱没出货"],
        [],
    ),
    (
        "分享商品怎么拿返利",
        "在商品页点「分享」生成您的专属链接，好友通过链接下单完成后，返利会记到您的账户。",
        ["分享返利怎么算", "推荐朋友买有奖励吗", "返利什么时候到账"],
        [{"title": "分享返利", "url": "/me/referrals/"}],
    ),
    (
        "怎么修改手机号",
        "在「我的」页面进入账号设置，验证原手机号后可以换绑新手机号。",
        ["换手机号了怎么办", "手机号不用了怎么改", "账号绑定的手机怎么换"],
        [],
    ),
    (
        "商品有质量问题怎么办",
        "请拍照后在订单里申请售后并选择质量问题，商家核实后为您退款或换货，运费由商家承担。",
        ["买到坏的东西", "收到的东西过期了", "商品有破损", "质量太差了"],
        [],
    ),
    (
        "到店自提怎么取货",
        "下单时选择到店自提和取货时间，备好货后会通知您；到店出示取货码，店员核销后取走商品。",
        ["自提要带什么", "去门店怎么拿货", "自提流程是什么"],
        [],
    ),
]

MERCHANT_KB = [
    (
        "湖滨优选可以寄存物品吗",
        "湖滨优选各门店收银台可免费寄存随身物品，当天营业结束前取回。",
        ["能寄存包吗", "门店有寄存柜吗"],
        [],
    ),
]

CANNED = [
    ("问候", "您好，我是客服，很高兴为您服务，请问有什么可以帮您？"),
    ("稍等", "好的，我查一下，请稍等。"),
    ("结束", "感谢您的耐心，如还有问题随时找我们，祝您生活愉快！"),
]


def load_kb(*, actor, organization, entries) -> int:
    for question, answer, phrasings, links in entries:
        services.save_entry(
            actor=actor,
            organization=organization,
            question=question,
            answer=answer,
            phrasings=phrasings,
            links=links,
        )
    return len(entries)


def load(city) -> list[str]:
    count = load_kb(actor=city.admin, organization=city.platform, entries=PLATFORM_KB)
    merchant, owner = city.merchants["hubin"]
    load_kb(actor=owner, organization=merchant, entries=MERCHANT_KB)
    for org in (city.platform, merchant):
        for title, text in CANNED:
            CannedReply.objects.create(organization=org, title=title, text=text)
    return [
        f"Customer service: /service/ asks the assistant ({count} platform answers); "
        "admin answers hand-offs at /merchant/service/ and edits answers at "
        "/merchant/service/faq/; complaints at /service/complaints/."
    ]
