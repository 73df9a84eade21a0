"""Search activity (issue 15 item 5): the search log hot words are counted from, members' search
history, hot words, the suggestion keys, and each product's 30-day sales for the 销量 sort."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_product_media'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HotWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('word', models.CharField(max_length=40, unique=True, verbose_name='热搜词')),
                ('score', models.PositiveIntegerField(default=0, verbose_name='热度')),
                ('pinned_position', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='置顶位置')),
                ('is_banned', models.BooleanField(default=False, verbose_name='屏蔽')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新时间')),
            ],
            options={
                'verbose_name': '热搜词',
                'verbose_name_plural': '热搜词',
                'ordering': ['pinned_position', '-score', 'word'],
            },
        ),
        migrations.CreateModel(
            name='SuggestTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(db_index=True, max_length=100)),
                ('text', models.CharField(max_length=120)),
                ('kind', models.CharField(choices=[('hot', '热搜'), ('brand', '品牌'), ('category', '分类')], max_length=10)),
                ('weight', models.IntegerField(default=0)),
            ],
            options={
                'verbose_name': '联想词',
                'verbose_name_plural': '联想词',
            },
        ),
        migrations.AddField(
            model_name='product',
            name='sales_units',
            field=models.IntegerField(default=0, editable=False, verbose_name='近30天销量'),
        ),
        migrations.CreateModel(
            name='SearchLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('query', models.CharField(max_length=100, verbose_name='搜索词')),
                ('result_count', models.PositiveIntegerField(verbose_name='结果数')),
                ('created_at', models.DateTimeField(db_index=True, verbose_name='时间')),
                ('member', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='会员')),
            ],
            options={
                'verbose_name': '搜索记录',
                'verbose_name_plural': '搜索记录',
            },
        ),
        migrations.CreateModel(
            name='SearchHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('query', models.CharField(max_length=100, verbose_name='搜索词')),
                ('searched_at', models.DateTimeField(verbose_name='搜索时间')),
                ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='search_history', to=settings.AUTH_USER_MODEL, verbose_name='会员')),
            ],
            options={
                'verbose_name': '搜索历史',
                'verbose_name_plural': '搜索历史',
                'indexes': [models.Index(fields=['member', '-searched_at'], name='catalog_history_recent')],
                'constraints': [models.UniqueConstraint(fields=('member', 'query'), name='catalog_history_once')],
            },
        ),
    ]
