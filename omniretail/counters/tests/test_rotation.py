"""Credential rotation: while the old credential is not revoked, a controller that has not
installed the new one still gets commands it can verify (signed with the key of the
credential it polls with, whose id each command names)."""

from types import SimpleNamespace

import pytest

from omniretail.counters import commands, services
from omniretail.counters.models import Command
from omniretail.counters.services import command_key
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_credential_polls_commands_signed_with_its_own_key(counter_setup):
    setup = counter_setup
    new, new_token = services.issue_credential(actor=setup.staff, counter=setup.counter)
    old_device = InProcessSim(setup)
    new_device = InProcessSim(SimpleNamespace(token=new_token, key=command_key(new.key_id).hex()))
    old_key_id = setup.token.partition(".")[0]

    for device, key_id in ((old_device, old_key_id), (new_device, new.key_id)):
        device.start()
        command = commands.send_ops_command(counter=setup.counter, kind="reboot")
        status, body = device.request("GET", "/commands?wait=0")
        assert status == 200
        [delivered] = body["commands"]
        assert delivered["command"]["key_id"] == key_id
        assert device.handle(delivered) == ""  # verified and executed
        command.refresh_from_db()
        assert command.status == Command.Status.ACKED
