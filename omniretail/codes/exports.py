"""Print files for a batch: a CSV of serials and URLs, and A4 sheets (PDF, SVG) with a grid
of QR codes and their serial numbers. Everything streams: a 100,000-code PDF is written page
by page (1-bit image masks, deflated) and never held in memory.

The QR mask pattern is fixed: letting segno try all eight costs six times the time, and any
mask scans; error correction M survives a scuffed package."""

import csv
import io
import zlib
from collections.abc import Iterator

import segno

from omniretail.codes.models import CodeBatch, PackagingCode
from omniretail.codes.services import scan_url

# A4 in points (1/72 in); 6 x 9 codes of 22 mm on a page.
PAGE_W, PAGE_H = 595.28, 841.89
COLS, ROWS = 6, 9
PER_PAGE = COLS * ROWS
MARGIN = 28.35  # 10 mm
CELL_W = (PAGE_W - 2 * MARGIN) / COLS
CELL_H = (PAGE_H - 2 * MARGIN - 14) / ROWS
QR_SIZE = 62.4  # 22 mm
MASK = 2
FETCH = 2_000


def _codes(batch: CodeBatch, first: int = 1, last: int | None = None) -> Iterator[tuple]:
    qs = PackagingCode.objects.filter(batch=batch, serial__gte=first)
    if last is not None:
        qs = qs.filter(serial__lte=last)
    position = first - 1
    while True:
        rows = list(
            qs.filter(serial__gt=position).order_by("serial").values_list("serial", "token")[:FETCH]
        )
        if not rows:
            return
        yield from rows
        position = rows[-1][0]


def serial_label(serial: int) -> str:
    return f"No.{serial:06d}"


def csv_rows(batch: CodeBatch) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["serial", "url"])
    for serial, token in _codes(batch):
        writer.writerow([serial, scan_url(token)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _matrix(token: str):
    return segno.make_qr(scan_url(token), error="m", mask=MASK, boost_error=False).matrix


def _cell_origin(index: int) -> tuple[float, float]:
    """Bottom-left corner of the QR in cell `index` (PDF coordinates, origin bottom left)."""
    col, row = index % COLS, index // COLS
    x = MARGIN + col * CELL_W + (CELL_W - QR_SIZE) / 2
    y = PAGE_H - MARGIN - 14 - (row + 1) * CELL_H + (CELL_H - QR_SIZE) + 2
    return x, y


def page_count(batch: CodeBatch) -> int:
    return max(1, -(-batch.generated // PER_PAGE))


# ---------------------------------------------------------------- SVG (one page)


def svg_page(batch: CodeBatch, page: int) -> str:
    """Page `page` (1-based) of the sheet as an A4 SVG in millimetres-true points."""
    first = (page - 1) * PER_PAGE + 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        f'viewBox="0 0 {PAGE_W} {PAGE_H}">',
        f'<rect width="{PAGE_W}" height="{PAGE_H}" fill="#fff"/>',
        f'<text x="{MARGIN}" y="{MARGIN}" font-family="Helvetica,Arial,sans-serif" '
        f'font-size="8">{batch.public_id} · {page}/{page_count(batch)}</text>',
    ]
    for index, (serial, token) in enumerate(_codes(batch, first, first + PER_PAGE - 1)):
        matrix = _matrix(token)
        x, y_pdf = _cell_origin(index)
        y = PAGE_H - y_pdf - QR_SIZE
        module = QR_SIZE / len(matrix)
        path = []
        for r, row in enumerate(matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    path.append(f"M{start} {r}h{c - start}v1h-{c - start}z")
                else:
                    c += 1
        parts.append(
            f'<path transform="translate({x:.2f} {y:.2f}) scale({module:.4f})" '
            f'd="{"".join(path)}"/>'
        )
        parts.append(
            f'<text x="{x + QR_SIZE / 2:.2f}" y="{y + QR_SIZE + 9:.2f}" text-anchor="middle" '
            f'font-family="Helvetica,Arial,sans-serif" font-size="7">{serial_label(serial)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


# ---------------------------------------------------------------- PDF (all pages, streamed)


def _mask_bytes(matrix) -> bytes:
    """The matrix as 1-bit rows padded to whole bytes; 1 = a dark module."""
    out = bytearray()
    for row in matrix:
        bits = 0
        width = len(row)
        for value in row:
            bits = (bits << 1) | (1 if value else 0)
        pad = (-width) % 8
        out += (bits << pad).to_bytes((width + pad) // 8, "big")
    return bytes(out)


def _page_stream(batch: CodeBatch, page: int, pages: int, codes) -> bytes:
    ops = [
        f"BT /F1 8 Tf {MARGIN:.2f} {PAGE_H - MARGIN:.2f} Td "
        f"({batch.public_id} - {page}/{pages}) Tj ET".encode()
    ]
    for index, (serial, token) in enumerate(codes):
        matrix = _matrix(token)
        size = len(matrix)
        x, y = _cell_origin(index)
        ops.append(
            f"q {QR_SIZE:.2f} 0 0 {QR_SIZE:.2f} {x:.2f} {y:.2f} cm "
            f"BI /W {size} /H {size} /IM true /BPC 1 /D [1 0] ID ".encode()
            + _mask_bytes(matrix)
            + b" EI Q"
        )
        label = serial_label(serial)
        ops.append(
            f"BT /F1 7 Tf {x + QR_SIZE / 2 - len(label) * 1.95:.2f} {y - 8:.2f} Td "
            f"({label}) Tj ET".encode()
        )
    return zlib.compress(b"\n".join(ops), 6)


def pdf_bytes(batch: CodeBatch) -> Iterator[bytes]:
    """A valid PDF 1.4 written as it goes; object offsets are counted for the xref."""
    pages = page_count(batch)
    offsets: dict[int, int] = {}
    written = 0

    def obj(number: int, body: bytes) -> bytes:
        nonlocal written
        offsets[number] = written
        chunk = f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        written += len(chunk)
        return chunk

    header = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    written = len(header)
    yield header
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    yield obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    yield obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    yield obj(3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    codes = _codes(batch)
    for i in range(pages):
        chunk = [c for _n, c in zip(range(PER_PAGE), codes, strict=False)]
        stream = _page_stream(batch, i + 1, pages, chunk)
        yield obj(
            4 + 2 * i,
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode(),
        )
        yield obj(
            5 + 2 * i,
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            + stream
            + b"\nendstream",
        )
    count = 4 + 2 * pages
    xref = [f"xref\n0 {count}\n0000000000 65535 f \n".encode()]
    xref += [f"{offsets[n]:010d} 00000 n \n".encode() for n in range(1, count)]
    yield b"".join(xref)
    yield f"trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{written}\n%%EOF\n".encode()
