from omniretail.loyalty.tests.fixtures import month_fixture  # noqa: F401  (fixture)
from omniretail.referrals.tests.fixtures import (  # noqa: F401  (fixtures: orders paid and refunded)
    referral_settings_fixture,
    referrals_fixture,
)
