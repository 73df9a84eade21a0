"""The sandbox gateway's pages, under its own URL prefix: what a payer sees after being
redirected away from the shop."""

from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError
from omniretail.payments.sandbox_gateway import gateway


def _page(request, charge, *, error=None, status=200):
    return render(
        request, "sandbox_gateway/checkout.html", {"charge": charge, "error": error}, status=status
    )


@require_GET
def checkout(request, charge_id: str):
    try:
        charge = gateway.get_charge(charge_id)
    except DomainError as exc:
        return render(request, "sandbox_gateway/checkout.html", {"error": exc.message}, status=404)
    return _page(request, charge)


@require_POST
def pay(request, charge_id: str):
    try:
        charge = gateway.pay(charge_id=charge_id)
    except DomainError as exc:
        return _page(
            request,
            gateway.SandboxCharge.objects.filter(public_id=charge_id).first(),
            error=exc.message,
            status=exc.status,
        )
    return _page(request, charge)


@require_POST
def cancel(request, charge_id: str):
    try:
        charge = gateway.decline(charge_id=charge_id)
    except DomainError as exc:
        return render(request, "sandbox_gateway/checkout.html", {"error": exc.message}, status=404)
    return _page(request, charge)
