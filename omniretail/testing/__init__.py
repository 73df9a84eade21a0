"""Test support shared by every app's tests: the pytest plugin (markers, fixtures) and helpers
that tests of more than one app use."""
