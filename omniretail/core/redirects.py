"""Where a user may be sent back to after leaving a page (a login, a form, a payment
gateway): a page of this site, never a script or another site."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_return(url: str, *, host: str | None = None, https: bool = False) -> str:
    """`url` when following it keeps the user on this site, else "". Without `host` only a
    path passes ("/me/orders/"; never "//evil.example" or "/\\evil.example", which browsers
    read as another host, nor "javascript:…"); with `host`, an absolute URL on it too."""
    url = url or ""
    if host is None and not url.startswith("/"):
        return ""
    allowed = {host} if host else set()
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed, require_https=https):
        return url
    return ""
