"""Folds loyalty's birthday sweep into birthday campaigns: a merchant's active 生日券
template becomes a coupon campaign, else its birthday earn rule a points campaign (in the
merchant's own points), both 3 days early (OMNI_BIRTHDAY_NOTICE_DAYS's default; the setting
is gone); the years members were already greeted become their gifts, so no one is given
twice this year. The birthday earn rules go (loyalty 0009 drops the old fields)."""

from django.db import migrations

DAYS_BEFORE = 3


def fold(apps, schema_editor):
    CouponTemplate = apps.get_model("loyalty", "CouponTemplate")
    Coupon = apps.get_model("loyalty", "Coupon")
    EarnRule = apps.get_model("loyalty", "EarnRule")
    Member = apps.get_model("loyalty", "Member")
    Campaign = apps.get_model("analytics", "BirthdayCampaign")
    Gift = apps.get_model("analytics", "BirthdayGift")
    templates = CouponTemplate.objects.filter(for_birthday=True, is_active=True)
    for t in templates.exclude(org__isnull=True):
        Campaign.objects.create(
            merchant_id=t.org_id, gift="coupon", template=t, days_before=DAYS_BEFORE
        )
    rules = EarnRule.objects.filter(
        kind="birthday", is_active=True, product__isnull=True, points__gt=0
    )
    for r in rules.exclude(org_id__in=Campaign.objects.values("merchant_id")):
        Campaign.objects.create(
            merchant_id=r.org_id, gift="points", points=r.points, days_before=DAYS_BEFORE
        )
    EarnRule.objects.filter(kind="birthday").delete()
    for c in Campaign.objects.all():
        greeted = Member.objects.filter(org_id=c.merchant_id, birthday_sent_year__isnull=False)
        for m in greeted:
            key = f"birthday:{m.public_id}:{m.birthday_sent_year}"
            Gift.objects.create(
                campaign=c,
                member=m,
                year=m.birthday_sent_year,
                status="sent",
                coupon=Coupon.objects.filter(issue_key=key).first(),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0009_birthday_campaigns"),
        ("loyalty", "0008_coupon_budget"),
    ]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
