"""/ops/analytics/quality/: the platform sees each check's count and rows, with duplicates'
phones masked in the page and the CSV; an unknown export is refused."""

from django.urls import reverse

from omniretail.analytics.tests.test_quality import messy  # noqa: F401


def test_the_platform_sees_the_checks_and_exports_one(client, platform_staff, messy):  # noqa: F811
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_quality"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "疑似重复会员" in html and "138****0001" in html and "13800000001" not in html
    csv = client.get(reverse("web:ops_quality"), {"export": "duplicate_members"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "原因,手机号 / 证件号,账号"
    assert lines[1].startswith("同手机号,138****0001,#") and "wang2" in lines[1]
    assert client.get(reverse("web:ops_quality"), {"export": "x"}).status_code == 422


def test_the_platform_merges_a_duplicate_then_undoes_it(client, platform_staff, messy):  # noqa: F811
    from omniretail.accounts.models import User
    from omniretail.analytics.models import MemberMerge

    kept, dup = User.objects.get(username="wang"), User.objects.get(username="wang2")
    client.force_login(platform_staff)
    page = client.get(reverse("web:ops_quality")).content.decode()
    assert f'data-testid="merge-{dup.pk}"' in page
    merged = client.post(reverse("web:ops_quality_merge"), {"source": dup.pk, "target": kept.pk})
    assert merged.status_code == 302
    record = MemberMerge.objects.get()
    assert (record.source, record.target, record.merged_by) == (dup, kept, platform_staff)
    itself = client.post(reverse("web:ops_quality_merge"), {"source": kept.pk, "target": kept.pk})
    assert itself.status_code == 422 and "不能把账号与自己合并。" in itself.content.decode()
    undone = client.post(reverse("web:ops_quality_undo", args=[record.pk]))
    assert undone.status_code == 302
    record.refresh_from_db()
    assert record.undone_at is not None
