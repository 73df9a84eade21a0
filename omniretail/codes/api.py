"""/api/codes: thin routes over codes.services and codes.selectors."""

from ninja import Router

router = Router(tags=["codes"])
