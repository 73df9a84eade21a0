"""/api/supply: thin routes over supply.services and supply.selectors."""

from ninja import Router

router = Router(tags=["supply"])
