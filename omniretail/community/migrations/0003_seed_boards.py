from django.db import migrations

BOARDS = [
    ("social", "社交圈", "分享生活与购物心得，友善交流，禁止广告和人身攻击。"),
    ("ventures", "创投", "交流创业与投资信息；不得募集资金或承诺收益。"),
    ("finance", "金融", "讨论理财知识；不得推荐具体证券、荐股或代客理财。"),
    ("singles", "单身", "真诚交友，保护个人隐私；不得发布联系方式或有偿介绍。"),
    ("tech", "科技", "数码、家电与新技术讨论；转载请注明来源。"),
    ("law", "法律", "法律常识交流，内容仅供参考，不构成法律意见。"),
]


def seed(apps, schema_editor):
    Board = apps.get_model("community", "Board")
    for position, (slug, name, rules) in enumerate(BOARDS):
        Board.objects.get_or_create(
            slug=slug, defaults={"name": name, "rules": rules, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0002_boards")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
