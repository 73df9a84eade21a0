"""Every route the OpenAPI document names is served by the view that documents it, and
reverse() still gives the documented path: the API's URL patterns are grouped by their first
segment (core.api.OmniAPI._get_urls), so a route lost or misplaced by the grouping shows here."""

import re

import pytest
from django.urls import get_resolver, resolve, reverse
from ninja.operation import PathView

from omniretail.urls import api


def _routes():
    document = api.get_openapi_schema(path_prefix="/api/")
    for route, item in document["paths"].items():
        for method, operation in item.items():
            yield route, method, operation["operationId"]


def _views():
    views = {}
    for router in api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = operation.operation_id or api.get_openapi_operation_id(operation)
                views[name] = (path_view, operation)
    return views


def _path_view(view) -> PathView:
    """The PathView a ninja view function dispatches to (its closure holds it)."""
    return next(c.cell_contents for c in view.__closure__ if isinstance(c.cell_contents, PathView))


VIEWS = _views()


@pytest.mark.parametrize("route,method,operation_id", list(_routes()))
def test_every_documented_route_reaches_its_view(route, method, operation_id):
    path = re.sub(r"\{[^}]+\}", "01JZ0000000000000000000000", route)
    match = resolve(path)
    path_view, operation = VIEWS[operation_id]
    assert match.namespace == "api"
    assert _path_view(match.func) is path_view
    assert method.upper() in operation.methods
    if len(_api_resolver().reverse_dict.getlist(match.url_name)) == 1:  # a few names repeat
        assert reverse(f"api:{match.url_name}", kwargs=match.kwargs) == path


def _api_resolver():
    return get_resolver().namespace_dict["api"][1]
