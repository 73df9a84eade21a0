"""/api/loyalty: thin routes over loyalty.services and loyalty.selectors."""

from ninja import Router

router = Router(tags=["loyalty"])
