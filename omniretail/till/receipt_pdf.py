"""The till receipt as a PDF for 80 mm paper: the same lines as the printable page, written
by hand as the project's other PDF (codes.exports) is, with no PDF library. Chinese text is
set in the PDF's standard simplified-Chinese font (STSong-Light with the UniGB-UCS2-H
encoding, which every reader supplies without embedding); the page is as long as the
receipt."""

import zlib
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.loyalty import services as loyalty
from omniretail.orders import pricing
from omniretail.till.models import TillSale

MM = 72 / 25.4
PAGE_W = 80 * MM
MARGIN = 4 * MM
SIZE = 8.0  # points per character height
LEADING = 11.0
MEDIA_TYPE = "application/pdf"


def _width(text: str, size: float = SIZE) -> float:
    """Half an em for ASCII (the font's /W says so), a full em for everything else."""
    return sum(size / 2 if ord(ch) < 128 else size for ch in text)


def _hex(text: str) -> str:
    """UCS-2 big-endian, as the encoding wants; characters beyond it print as '?'."""
    safe = "".join(ch if ord(ch) <= 0xFFFF else "?" for ch in text)
    return safe.encode("utf-16-be").hex().upper()


def _fit(text: str, room: float) -> str:
    while text and _width(text) > room:
        text = text[:-1]
    return text


def rows(sale: TillSale, refunds=()) -> list[tuple[str, str]]:
    """(left, right) rows of the receipt, top to bottom; an empty right is a line of text."""
    order = sale.order
    at = timezone.localtime(sale.created_at).strftime("%Y-%m-%d %H:%M")
    out = [
        (sale.store.name, ""),
        (_("小票 %(number)s") % {"number": order.number}, ""),
        (at, ""),
        (_("收银员 %(name)s") % {"name": sale.staff}, ""),
    ]
    if order.shopper_id and order.shopper.phone:
        phone = order.shopper.phone
        out.append((_("会员 %(phone)s") % {"phone": f"{phone[:3]}****{phone[-4:]}"}, ""))
    out.append(("-", ""))
    for line, shown in receipt_lines(sale):
        out.append((f"{line.product_name} {line.sku_name}".strip(), ""))
        out.extend(_priced(shown))
    out.append(("-", ""))
    out.append((_("商品金额"), f"¥{order.subtotal}"))
    for discount in order.discount_lines:
        out.append((discount["label"], f"-¥{Decimal(discount['amount'])}"))
    out.append((_("应收"), f"¥{order.total}"))
    out.append((_("支付方式"), sale.get_payment_display()))
    if sale.tendered is not None:
        out.append((_("实收"), f"¥{sale.tendered}"))
        out.append((_("找零"), f"¥{sale.change}"))
    for label, points in _points(sale):
        out.append((_("获得%(label)s") % {"label": label}, str(points)))
    for refund in refunds:
        out.append(
            (
                _("退款 %(at)s") % {"at": f"{timezone.localtime(refund.created_at):%m-%d %H:%M}"},
                f"-¥{refund.amount}",
            )
        )
    out.append(("-", ""))
    out.append((_("谢谢惠顾"), ""))
    return out


def receipt_lines(sale: TillSale) -> list[tuple]:
    """Each order line with how it was charged, naming the store promotion that priced it
    (the page's receipt and the PDF's alike)."""
    lines = list(sale.order.lines.select_related("sku").order_by("id"))
    shown = pricing.sold_lines(lines, store=sale.store, at=sale.order.created_at)
    return list(zip(lines, shown, strict=True))


def _priced(shown: pricing.ShownLine) -> list[tuple[str, str]]:
    """A line's rows, adding up on their own: quantity × the promoted unit price (and the
    original), or, for a buy-N-get-M total no unit price divides, quantity × the list
    price and the promotion's saving below it."""
    if not shown.divides:
        return [
            (f"  {shown.quantity} × ¥{shown.list_price}", f"¥{shown.list_total}"),
            ("  " + _("促销 %(title)s") % {"title": shown.promotion}, f"-¥{shown.saving}"),
        ]
    unit = f"  {shown.quantity} × ¥{shown.unit_price}"
    if shown.unit_price < shown.list_price:
        unit += _("（原价 ¥%(price)s）") % {"price": shown.list_price}
    rows = [(unit, f"¥{shown.line_total}")]
    if shown.promotion:
        rows.append(("  " + _("促销 %(title)s") % {"title": shown.promotion}, ""))
    return rows


def _points(sale: TillSale) -> list[tuple[str, int]]:
    merchant = sale.store.merchant
    return [
        (
            _("平台积分")
            if code == loyalty.PLATFORM_POINTS
            else _("%(org)s积分") % {"org": merchant.name},
            n,
        )
        for code, n in sorted(sale.points.items())
    ]


def _content(lines: list[tuple[str, str]], height: float) -> bytes:
    room = PAGE_W - 2 * MARGIN
    ops = []
    y = height - MARGIN - SIZE
    for left, right in lines:
        if left == "-" and not right:
            ops.append(
                f"{MARGIN:.2f} {y + SIZE / 2:.2f} m {PAGE_W - MARGIN:.2f} {y + SIZE / 2:.2f} l S"
            )
        else:
            if right:
                x = PAGE_W - MARGIN - _width(right)
                ops.append(f"BT /F1 {SIZE} Tf {x:.2f} {y:.2f} Td <{_hex(right)}> Tj ET")
                room_left = room - _width(right) - SIZE
            else:
                room_left = room
            ops.append(
                f"BT /F1 {SIZE} Tf {MARGIN:.2f} {y:.2f} Td <{_hex(_fit(left, room_left))}> Tj ET"
            )
        y -= LEADING
    return zlib.compress("\n".join(["0.5 w", *ops]).encode("ascii"), 6)


def pdf_bytes(sale: TillSale, refunds=()) -> bytes:
    """A valid PDF 1.4 of one page 80 mm wide, as long as the receipt."""
    lines = rows(sale, refunds)
    height = 2 * MARGIN + LEADING * len(lines) + SIZE
    stream = _content(lines, height)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W:.2f} {height:.2f}] "
        "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>".encode(),
        f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
        + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    start = len(out)
    count = len(objects) + 1
    out += f"xref\n0 {count}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    return bytes(out)


def response(sale: TillSale, *, download: bool) -> HttpResponse:
    """The receipt's PDF with its media type and a file name of the sale's number."""
    body = pdf_bytes(sale, sale.refunds.order_by("id"))
    response = HttpResponse(body, content_type=MEDIA_TYPE)
    kind = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{kind}; filename="receipt-{sale.order.number}.pdf"'
    return response
