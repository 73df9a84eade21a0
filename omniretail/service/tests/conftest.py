"""The orders tests' fixtures for a paid pickup order, which the intents' tests ask about."""

from omniretail.orders.tests.conftest import pay, place_order, stocked, wallet  # noqa: F401
