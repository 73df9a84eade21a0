"""The version of the user agreement and privacy policy a sign-in accepts. Raise it when the
documents change: everyone consents again at their next sign-in. A plain module (no Django
models), so API clients and test drivers can name the version without setting Django up."""

POLICY_VERSION = "2026-12"
