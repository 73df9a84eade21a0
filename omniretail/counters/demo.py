"""Demo data for the counters programme, built through its services."""


def load(city) -> list[str]:
    """Add this programme to the demo city; return lines to print after the credentials."""
    return []
