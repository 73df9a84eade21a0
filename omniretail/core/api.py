"""The API's kernel: one NinjaAPI, domain errors as 4xx JSON, request validation errors with
field messages, the error envelope in the OpenAPI document, and the idempotent-call helper
(authentication lives in accounts.auth)."""

import inspect
import re
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest
from django.urls import URLPattern, include
from django.urls import path as route
from django.urls.resolvers import RoutePattern
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation, PathView

from omniretail.core.errors import DomainError, UnsupportedMediaType
from omniretail.core.idempotency import HEADER, principal_of, run_idempotent


def _error(api, request, status, code, message, fields=None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return api.create_response(request, body, status=status)


class ErrorDetail(Schema):
    code: str = Field(..., description="stable machine code: validation_failed, not_found, …")
    message: str = Field(..., description="for people, in the request's language")
    fields: dict[str, list[str]] = Field(
        ..., description="messages per input field (dotted path); {} when no field is at fault"
    )
    details: dict[str, int | str] | None = Field(
        None,
        description="typed values a machine acts on, never localised (a counter's `last_seq`); "
        "absent when the refusal has none",
    )


class ErrorOut(Schema):
    """Every refusal's body (core.errors.DomainError.as_dict and the handlers below)."""

    error: ErrorDetail


REFUSALS = {
    400: "Refused by a business rule; `error.code` says which.",
    404: "No such object, or not one this caller may see.",
    409: "Conflicts with the object's current state (sold out, already paid, …).",
    422: "Invalid input; `error.fields` names each field at fault.",
    429: "Too many attempts; wait `Retry-After` seconds when sent.",
}
AUTH_REFUSALS = {
    401: "Not signed in: the credential is missing, expired or revoked.",
    403: "Signed in, but this account may not do this.",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again (sent when the wait is known).",
        "schema": {"type": "integer"},
    }
}


# Devices authenticate with credentials of their own on their own routes (not `auth=`).
DEVICE_SCHEMES = {
    "/counters/device/": (
        "Counter",
        {
            "type": "http",
            "scheme": "Counter",
            "description": "A smart counter's credential: `Authorization: Counter "
            "<key_id>.<secret>` (the scheme name is case-insensitive), issued by its "
            "operator; see docs/counter-protocol.md.",
        },
    ),
    "/terminals/device/": (
        "Terminal",
        {
            "type": "http",
            "scheme": "Terminal",
            "description": "A card terminal's credential: `Authorization: Terminal "
            "<key_id>.<secret>`, issued once when a merchant registers the terminal; see "
            "docs/terminal-protocol.md.",
        },
    ),
}
IDEMPOTENCY_KEY = {
    "name": HEADER,
    "in": "header",
    "description": "Any unique string up to 255 characters, chosen by the client per intended "
    "write: a retry with the same key and body answers the first response again and changes "
    "nothing; the same key with another body is a 409 `idempotency_key_reused`.",
    "schema": {"type": "string", "maxLength": 255},
}


def _honours_idempotency_key(view) -> tuple[bool, bool]:
    """(honoured, required) for a route, read from its own code and that of the module's
    private helpers it calls: a route honours the header when its write runs through
    `idempotent` or it reads the header itself, and requires it when it refuses a write
    without one. Derived, so the document cannot promise the header where it is ignored."""
    try:
        view = inspect.unwrap(view)
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return False, False
    for name in set(re.findall(r"\b(_\w+)\(", source)):
        helper = view.__globals__.get(name)
        if inspect.isfunction(helper):
            source += inspect.getsource(helper)
    honoured = "idempotent(" in source or "headers.get(HEADER)" in source
    return honoured, honoured and "if not key" in source


class OmniAPI(NinjaAPI):
    def _get_urls(self) -> list:
        """ninja's routes under one include per first path segment. Django tries a list's
        patterns in order: in the flat list of ~270 a group-buy join tried ~140 regular
        expressions before its own (resolving it took 73 us, now 31 us; /api/till/sales 95 ->
        35 us). A name that routes in two groups share (ninja names a route after its
        function: `join` was community's, group-buy's and loyalty's) is qualified by the
        group (`groupbuy_join`): the access log and the request histogram label a request by
        its route's name, one series per view (docs/operations.md), and reverse() finds it.
        Where one route has several operations (GET and POST /auth/tokens), Django reaches
        only the first's pattern, so its view carries every method's name (`_name_methods`)."""
        groups: dict[str, list] = {}
        urls = []
        patterns = super()._get_urls()
        heads: dict[str | None, set] = {}
        by_route: dict[str, list] = {}
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                heads.setdefault(pattern.name, set()).add(str(pattern.pattern).partition("/")[0])
        for pattern in patterns:
            head, slash, rest = str(pattern.pattern).partition("/")
            if not isinstance(pattern, URLPattern) or not slash or "<" in head:
                urls.append(pattern)
                continue
            if head not in groups:
                groups[head] = []
                urls.append(route(f"{head}/", include(groups[head])))
            name = pattern.name
            if name and len(heads[name]) > 1:
                name = f"{head.replace('-', '_')}_{name}"
            groups[head].append(
                URLPattern(
                    RoutePattern(rest, name, is_endpoint=True),
                    pattern.callback,
                    pattern.default_args,
                    name,
                )
            )
            by_route.setdefault(str(pattern.pattern), []).append((pattern.callback, name))
        for named in by_route.values():
            _name_methods(named)
        return urls

    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> OpenAPISchema:
        """Built once per process and language (0.3 s of CPU each time: /api/docs and every
        client generator ask for it; the routes never change while the process runs)."""
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        cache = self.__dict__.setdefault("_openapi_schemas", {})
        if key not in cache:
            cache[key] = self._build_openapi_schema(path_prefix, path_params)
        return cache[key]

    def _build_openapi_schema(self, path_prefix, path_params) -> OpenAPISchema:
        """Document once, on every operation, instead of per route: the error envelope, the
        Idempotency-Key header where the route honours it, and the devices' schemes."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        self._document_idempotency(schema)
        schemes = schema["components"].setdefault("securitySchemes", {})
        for marker, (name, scheme) in DEVICE_SCHEMES.items():
            schemes[name] = scheme
            for path, item in schema["paths"].items():
                if marker in path:
                    for operation in item.values():
                        operation.setdefault("security", [{name: []}])
        envelope = ErrorOut.model_json_schema(ref_template=REF_TEMPLATE)
        components = schema["components"]["schemas"]
        components.update(envelope.pop("$defs"), ErrorOut=envelope)
        content = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}}
        for item in schema["paths"].values():
            for operation in item.values():
                refusals = REFUSALS | (AUTH_REFUSALS if operation.get("security") else {})
                for status, description in sorted(refusals.items()):
                    entry = {"description": description, "content": content}
                    if status == 429:
                        entry["headers"] = RETRY_AFTER
                    operation["responses"].setdefault(status, entry)
        return schema

    def operations(self) -> Iterator[tuple[str, PathView, Operation]]:
        """Every operation with its OpenAPI operationId and the path view that serves it."""
        for router in self._get_bound_routers():
            for path_view in router.path_operations.values():
                for operation in path_view.operations:
                    name = operation.operation_id or self.get_openapi_operation_id(operation)
                    yield name, path_view, operation

    def _document_idempotency(self, schema: OpenAPISchema) -> None:
        views = {name: operation.view_func for name, _path_view, operation in self.operations()}
        for item in schema["paths"].values():
            for operation in item.values():
                honoured, required = _honours_idempotency_key(views.get(operation["operationId"]))
                if honoured:
                    operation.setdefault("parameters", []).append(
                        {**IDEMPOTENCY_KEY, "required": required}
                    )


def path_view_of(view) -> PathView | None:
    """The PathView a ninja view function dispatches to (its closure holds it)."""
    for cell in view.__closure__ or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def _name_methods(named: list) -> None:
    """`names_by_method` on the view Django reaches for a route with several operations (one
    pattern each, in the path view's order): the access log and the request histogram name a
    request by the operation its method reaches, not by the first's (core.observability)."""
    if len(named) < 2 or (path_view := path_view_of(named[0][0])) is None:
        return
    named[0][0].names_by_method = {
        method: name
        for (_view, name), operation in zip(named, path_view.operations, strict=True)
        for method in operation.methods
    }


def link(operation_id: str, request_body: dict | None = None, **parameters: str) -> dict:
    """An OpenAPI link to `operation_id`, its parameters (and body) runtime expressions over
    the answer just received (`$response.body#/id`) or the request that got it
    (`$request.path.order_id`)."""
    found: dict = {"operationId": operation_id, "parameters": parameters}
    if request_body is not None:
        found["requestBody"] = request_body
    return found


def links(status: int, **named: dict) -> dict:
    """A route's `openapi_extra` naming the calls a client can make next with its `status`
    answer; schemathesis' stateful tests follow these chains."""
    return {"responses": {status: {"links": named}}}


def build_api() -> OmniAPI:
    api = OmniAPI(
        title="Omniretail API",
        version="1",
        description="O2O new-retail platform. Money is a decimal string in CNY; points are "
        "integers; ids are opaque ULIDs. Writes that move money, points or stock take an "
        f"`{HEADER}` header. Every refusal is a 4xx whose body is `ErrorOut`: "
        '`{"error": {"code", "message", "fields"}}`.',
        docs_url="/docs",
        urls_namespace="api",
        servers=[
            {
                "url": settings.OMNI_PUBLIC_BASE_URL.rstrip("/"),
                "description": "this deployment (OMNI_PUBLIC_BASE_URL); paths start with /api",
            }
        ],
    )

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        exc.run_after_rollback()
        response = api.create_response(request, exc.as_dict(), status=exc.status)
        if retry_after := getattr(exc, "retry_after", None):
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        fields: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path")]
            name = ".".join(loc[1:] if len(loc) > 1 and loc[0] == "payload" else loc) or "body"
            fields.setdefault(name, []).append(err.get("msg", "invalid"))
        return _error(
            api, request, 422, "validation_failed", _("输入有误，请检查标出的字段。"), fields
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return _error(api, request, 401, "not_authenticated", _("请先登录。"))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return _error(api, request, exc.status_code, "http_error", str(exc))

    return api


def idempotent(request: HttpRequest, *, endpoint: str, payload, action):
    """Run a write once per Idempotency-Key; the first response is replayed to retries."""
    return Status(
        *run_idempotent(
            principal=principal_of(request),
            key=request.headers.get(HEADER),
            endpoint=endpoint,
            payload=payload,
            action=action,
        )
    )


def as_json(schema, data) -> dict:
    """Validate `data` against a response schema and render it as JSON-ready values, for
    responses stored by `idempotent` and replayed byte for byte."""
    return schema.model_validate(data).model_dump(mode="json")


def require_json(request: HttpRequest) -> None:
    """A route that reads the raw body (a signed notification, a session-creating call)
    takes JSON only: a form post is refused before the form parser consumes the body."""
    if request.content_type != "application/json":
        raise UnsupportedMediaType()
