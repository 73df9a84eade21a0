"""Knowledge-base writes: an entry edited on the page, or many imported from a CSV file.
Only the organisation's owners, managers and customer-service staff edit its answers (the
platform's staff the platform's). An import checks every row before it writes one: a file
with a bad row lists each bad row and changes nothing."""

import csv
import io

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership, Organization
from omniretail.accounts.selectors import organizations_of, require_role
from omniretail.core.errors import NotFound, ValidationFailed, field_error
from omniretail.service.models import CannedReply, FaqEntry, ServiceSettings

SERVICE_ROLES = (
    Membership.Role.OWNER,
    Membership.Role.MANAGER,
    Membership.Role.CUSTOMER_SERVICE,
)
MAX_QUESTION = 200
MAX_ANSWER = 2000
MAX_PHRASINGS = 30
MAX_LINKS = 5
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 2000
CSV_COLUMNS = ("question", "answer", "phrasings", "links")
SETTINGS_ROLES = (Membership.Role.OWNER, Membership.Role.MANAGER)
MAX_REPLY_MINUTES = 1440
MAX_COMPLAINT_HOURS = 720


def service_organizations(user):
    """The organisations whose service the user runs: answers, queue, canned replies."""
    return organizations_of(
        user, kinds=[Organization.Kind.MERCHANT, Organization.Kind.PLATFORM], roles=SERVICE_ROLES
    )


def _clean_links(raw) -> list[dict]:
    """Links as [{"title", "url"}]: a path on this site or an https address."""
    links = []
    for item in raw:
        title, url = (
            (item.get("title", ""), item.get("url", "")) if isinstance(item, dict) else ("", item)
        )
        title, url = str(title).strip(), str(url).strip()
        if not (url.startswith("/") and not url.startswith("//")) and not url.startswith(
            "https://"
        ):
            raise field_error(
                "links", _("链接须是本站路径（/ 开头）或 https 地址：%(url)s") % {"url": url}
            )
        if len(url) > 300 or len(title) > 40:
            raise field_error("links", _("链接标题最多 40 字，地址最多 300 字。"))
        links.append({"title": title or url, "url": url})
    if len(links) > MAX_LINKS:
        raise field_error("links", _("最多 %(n)s 个链接。") % {"n": MAX_LINKS})
    return links


def _cleaned(*, question, answer, phrasings, links) -> dict:
    question = " ".join(str(question or "").split())
    answer = str(answer or "").strip()
    if not question:
        raise field_error("question", _("请填写问题。"))
    if len(question) > MAX_QUESTION:
        raise field_error("question", _("问题不能超过 %(n)s 个字。") % {"n": MAX_QUESTION})
    if not answer:
        raise field_error("answer", _("请填写回答。"))
    if len(answer) > MAX_ANSWER:
        raise field_error("answer", _("回答不能超过 %(n)s 个字。") % {"n": MAX_ANSWER})
    seen, kept = {question}, []
    for p in phrasings or []:
        p = " ".join(str(p).split())
        if len(p) > MAX_QUESTION:
            raise field_error(
                "phrasings", _("相似问法每条不能超过 %(n)s 个字。") % {"n": MAX_QUESTION}
            )
        if p and p not in seen:
            seen.add(p)
            kept.append(p)
    if len(kept) > MAX_PHRASINGS:
        raise field_error("phrasings", _("相似问法最多 %(n)s 条。") % {"n": MAX_PHRASINGS})
    return {
        "question": question,
        "answer": answer,
        "phrasings": kept,
        "links": _clean_links(links or []),
    }


def split_lines(text: str) -> list[str]:
    """Phrasings or links typed one per line (or separated by |)."""
    return [part.strip() for part in (text or "").replace("|", "\n").splitlines() if part.strip()]


def parse_links(text: str) -> list[dict]:
    """`标题=地址` per line (or a bare address)."""
    out = []
    for part in split_lines(text):
        title, sep, url = part.rpartition("=")
        out.append({"title": title if sep else "", "url": url if sep else part})
    return out


@transaction.atomic
def save_entry(
    *,
    actor,
    organization: Organization,
    question,
    answer,
    phrasings=(),
    links=(),
    entry_id: str = "",
) -> FaqEntry:
    """Create an answer, or change the one named by `entry_id`; a question the knowledge
    base already holds is refused rather than answered twice."""
    require_role(actor, organization, SERVICE_ROLES)
    data = _cleaned(question=question, answer=answer, phrasings=phrasings, links=links)
    entries = FaqEntry.objects.select_for_update().filter(organization=organization)
    entry = None
    if entry_id:
        entry = entries.filter(public_id=entry_id).first()
        if entry is None:
            raise NotFound(_("找不到该问题。"))
    if entries.filter(question=data["question"]).exclude(pk=getattr(entry, "pk", None)).exists():
        raise field_error("question", _("知识库里已经有这个问题了。"))
    if entry is None:
        return FaqEntry.objects.create(organization=organization, **data)
    for key, value in data.items():
        setattr(entry, key, value)
    entry.save()
    return entry


@transaction.atomic
def delete_entry(*, actor, organization: Organization, entry_id: str) -> None:
    require_role(actor, organization, SERVICE_ROLES)
    deleted, _rows = FaqEntry.objects.filter(organization=organization, public_id=entry_id).delete()
    if not deleted:
        raise NotFound(_("找不到该问题。"))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel in China saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise field_error("file", _("无法识别文件编码，请保存为 UTF-8 的 CSV。"))


@transaction.atomic
def import_csv(*, actor, organization: Organization, data: bytes) -> dict:
    """Rows `question,answer,phrasings,links` (phrasings and links separated by |): a known
    question is updated, a new one added. Every row is checked first; any bad row refuses
    the whole file with each bad row's error, so nothing is half-imported."""
    require_role(actor, organization, SERVICE_ROLES)
    if not data:
        raise field_error("file", _("请选择 CSV 文件。"))
    if len(data) > MAX_IMPORT_BYTES:
        raise field_error("file", _("文件不能超过 2 MB。"))
    try:
        reader = csv.DictReader(io.StringIO(_decode(data)))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as exc:
        raise field_error("file", _("不是有效的 CSV 文件：%(e)s") % {"e": exc}) from None
    if not {"question", "answer"} <= set(header):
        raise field_error("file", _("第一行须是列名：question,answer,phrasings,links。"))
    if not rows:
        raise field_error("file", _("文件里没有问题。"))
    if len(rows) > MAX_IMPORT_ROWS:
        raise field_error("file", _("一次最多导入 %(n)s 行。") % {"n": MAX_IMPORT_ROWS})
    cleaned, errors, seen = [], [], {}
    for number, raw in enumerate(rows, start=2):  # line 1 is the header
        row = {(k or "").strip().lower(): (v if isinstance(v, str) else "") for k, v in raw.items()}
        try:
            item = _cleaned(
                question=row.get("question"),
                answer=row.get("answer"),
                phrasings=split_lines(row.get("phrasings", "")),
                links=parse_links(row.get("links", "")),
            )
        except ValidationFailed as exc:
            errors.append(_("第 %(n)s 行：%(e)s") % {"n": number, "e": exc.message})
            continue
        if item["question"] in seen:
            errors.append(
                _("第 %(n)s 行：问题与第 %(m)s 行重复。")
                % {"n": number, "m": seen[item["question"]]}
            )
            continue
        seen[item["question"]] = number
        cleaned.append(item)
    if errors:
        raise ValidationFailed(
            _("有 %(n)s 行有误，没有导入任何内容。") % {"n": len(errors)}, fields={"file": errors}
        )
    existing = {
        e.question: e
        for e in FaqEntry.objects.select_for_update().filter(
            organization=organization, question__in=list(seen)
        )
    }
    created = updated = 0
    for item in cleaned:
        entry = existing.get(item["question"])
        if entry is None:
            FaqEntry.objects.create(organization=organization, **item)
            created += 1
        else:
            for key, value in item.items():
                setattr(entry, key, value)
            entry.save()
            updated += 1
    return {"created": created, "updated": updated}


def add_canned_reply(*, actor, organization: Organization, title: str, text: str) -> CannedReply:
    require_role(actor, organization, SERVICE_ROLES)
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > 40:
        raise field_error("title", _("标题须为 1 到 40 个字。"))
    if not text or len(text) > MAX_ANSWER:
        raise field_error("text", _("内容须为 1 到 %(n)s 个字。") % {"n": MAX_ANSWER})
    return CannedReply.objects.create(organization=organization, title=title, text=text)


def settings_of(organization: Organization) -> ServiceSettings:
    """The organisation's service rules; the defaults (round robin, 10 minutes) until its
    owner or a manager changes them."""
    found = ServiceSettings.objects.filter(organization=organization).first()
    return found or ServiceSettings(organization=organization)


def _whole(value, low: int, high: int) -> int | None:
    """A whole number in [low, high] from a form or JSON value, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def configure(
    *, actor, organization: Organization, assignment: str, reply_minutes, complaint_hours=None
) -> ServiceSettings:
    """The owner or a manager sets how hand-offs are assigned, the minutes allowed for the
    first answer (1 to 1,440) and the hours allowed to answer a complaint (1 to 720; left
    as it is when not given)."""
    require_role(actor, organization, SETTINGS_ROLES)
    if assignment not in ServiceSettings.Assignment.values:
        raise field_error("assignment", _("请选择分配方式。"))
    minutes = _whole(reply_minutes, 1, MAX_REPLY_MINUTES)
    if minutes is None:
        raise field_error(
            "reply_minutes", _("首次回复时限须为 1 到 %(n)s 分钟。") % {"n": MAX_REPLY_MINUTES}
        )
    values = {"assignment": assignment, "reply_minutes": minutes}
    if complaint_hours not in (None, ""):
        hours = _whole(complaint_hours, 1, MAX_COMPLAINT_HOURS)
        if hours is None:
            raise field_error(
                "complaint_hours",
                _("投诉答复时限须为 1 到 %(n)s 小时。") % {"n": MAX_COMPLAINT_HOURS},
            )
        values["complaint_hours"] = hours
    found, _created = ServiceSettings.objects.update_or_create(
        organization=organization, defaults=values
    )
    return found
