"""/api/groupbuy: thin routes over groupbuy.services and groupbuy.selectors."""

from ninja import Router

router = Router(tags=["groupbuy"])
