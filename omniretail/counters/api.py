"""/api/counters: thin routes over counters.services and counters.selectors."""

from ninja import Router

router = Router(tags=["counters"])
