"""Adding, editing, removing and choosing the default among a shopper's addresses. Every
address has a position: the one the shopper gave (browser position, coordinates), or the
geocoder's for the street they wrote; an address nobody can place is refused."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.addresses.geocoding import provider
from omniretail.addresses.models import MAX_ADDRESSES, Address
from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.core.geo import validate_point

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")


def validate_phone(phone: str, field: str = "phone") -> str:
    phone = re.sub(r"[\s-]", "", str(phone or ""))
    if not MAINLAND_MOBILE.fullmatch(phone):
        raise ValidationFailed(fields={field: _("请填写 11 位中国大陆手机号。")})
    return phone


def _clean(data: dict) -> dict:
    fields = {}
    name = str(data.get("name", "")).strip()[:40]
    detail = str(data.get("detail", "")).strip()[:200]
    district = str(data.get("district", "")).strip()[:40]
    if not name:
        fields["name"] = _("请填写收货人。")
    if not detail:
        fields["detail"] = _("请填写详细地址。")
    try:
        phone = validate_phone(data.get("phone", ""))
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields=fields)
    lat, lon = data.get("lat"), data.get("lon")
    if str(lat or "").strip() or str(lon or "").strip():
        lat, lon = validate_point(lat, lon)
    else:
        found = provider().geocode(district=district, text=detail)
        if found is None:
            raise ValidationFailed(
                fields={
                    "position": _(
                        "无法确定该地址的位置：请在地址中写明街道，使用当前位置，或填写经纬度。"
                    )
                }
            )
        lat, lon = found.lat, found.lon
    return {
        "name": name,
        "phone": phone,
        "district": district,
        "detail": detail,
        "lat": lat,
        "lon": lon,
    }


def address_of(user, public_id: str) -> Address:
    """One of the user's own addresses; another's is not found."""
    found = Address.objects.filter(user=user, public_id=public_id).first()
    if found is None:
        raise NotFound(_("地址不存在。"))
    return found


@transaction.atomic
def add_address(*, user, data: dict, make_default: bool = False) -> Address:
    """The first address is the default; later ones when asked."""
    values = _clean(data)
    count = Address.objects.select_for_update().filter(user=user).count()
    if count >= MAX_ADDRESSES:
        raise Conflict(
            _("最多保存 %(n)s 个地址，请先删除不用的地址。") % {"n": MAX_ADDRESSES},
            code="too_many_addresses",
        )
    if make_default or count == 0:
        Address.objects.filter(user=user, is_default=True).update(is_default=False)
    return Address.objects.create(user=user, is_default=make_default or count == 0, **values)


@transaction.atomic
def update_address(*, address: Address, data: dict, make_default: bool = False) -> Address:
    values = _clean(data)
    for name, value in values.items():
        setattr(address, name, value)
    address.save()
    if make_default:
        set_default(address=address)
    return address


@transaction.atomic
def set_default(*, address: Address) -> Address:
    Address.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


@transaction.atomic
def delete_address(*, address: Address) -> None:
    """Placed orders keep their own copy; removing the default makes the newest the default."""
    was_default = address.is_default
    user_id = address.user_id
    address.delete()
    if was_default:
        nxt = Address.objects.filter(user_id=user_id).order_by("-updated_at", "-id").first()
        if nxt is not None:
            set_default(address=nxt)
