from omniretail.referrals.tests.fixtures import (  # noqa: F401  (fixtures)
    referral_settings_fixture,
    referrals_fixture,
)
