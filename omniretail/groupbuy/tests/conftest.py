from omniretail.groupbuy.tests.fixtures import groupbuys_fixture  # noqa: F401  (fixture)
