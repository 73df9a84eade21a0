"""Every route the OpenAPI document names is served by the view that documents it, and
reverse() still gives the documented path: the API's URL patterns are grouped by their first
segment (core.api.OmniAPI._get_urls), so a route lost or misplaced by the grouping shows here."""

import re

import pytest
from django.urls import get_resolver, resolve, reverse

from omniretail.core.api import path_view_of
from omniretail.urls import api


def _routes():
    document = api.get_openapi_schema(path_prefix="/api/")
    for route, item in document["paths"].items():
        for method, operation in item.items():
            yield route, method, operation["operationId"]


VIEWS = {name: (path_view, operation) for name, path_view, operation in api.operations()}


@pytest.mark.parametrize("route,method,operation_id", list(_routes()))
def test_every_documented_route_reaches_its_view(route, method, operation_id):
    path = re.sub(r"\{[^}]+\}", "01JZ0000000000000000000000", route)
    match = resolve(path)
    path_view, operation = VIEWS[operation_id]
    assert match.namespace == "api"
    assert path_view_of(match.func) is path_view
    assert method.upper() in operation.methods
    assert reverse(f"api:{match.url_name}", kwargs=match.kwargs) == path


def test_every_route_has_a_name_of_its_own():
    """The access log and the request histogram label a request by its route's name, one
    series per view (docs/operations.md): two routes with one name were one series (`api:join`
    was a group-buy join, joining a community group and becoming a merchant's member)."""
    names = {}
    for route, name in _routes_named(get_resolver().namespace_dict["api"][1], ""):
        names.setdefault(name, set()).add(route)
    assert {name: routes for name, routes in names.items() if len(routes) > 1} == {}
    assert resolve("/api/groupbuy/campaigns/01JZ0000000000000000000000/join").view_name == (
        "api:groupbuy_join"
    )


def _routes_named(resolver, prefix):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _routes_named(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.name
