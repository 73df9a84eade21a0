"""Prohibited words listed before words had public ids get one each on upgrade, on SQLite and
PostgreSQL alike, and the console and the API then name them by it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from omniretail.community.models import BannedWord

BEFORE = [("community", "0004_message_public_ids_coupon_cards")]
AFTER = [("community", "0006_banned_word_public_id_unique")]


@pytest.mark.django_db(transaction=True)
def test_words_listed_before_the_upgrade_each_get_an_id_of_their_own():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE[0]).apps.get_model("community", "BannedWord")
        keys = sorted(old.objects.create(word=w).pk for w in ("赌博", "代开发票", "刷单"))
        executor.loader.build_graph()
        executor.migrate(AFTER)

        ids = dict(BannedWord.objects.values_list("pk", "public_id"))
        assert sorted(ids) == keys
        assert len(set(ids.values())) == 3 and all(len(i) == 26 for i in ids.values())
    finally:  # the rest of the suite (and servers it starts) expects every migration applied
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
