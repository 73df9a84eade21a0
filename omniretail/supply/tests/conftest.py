from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)
