"""The chat socket, /ws/community/<group>/: signed in by the session cookie (channels'
AuthMiddlewareStack), from an allowed origin (AllowedHostsOriginValidator, in asgi.py).

Frames the client sends (JSON):
  {"action": "send", "text", "reply_to"?, "card"?: {"kind", "id"}, "client_id"?}
  {"action": "read", "up_to": <message id>}   (ids are messages' public ids, ULIDs)
  {"action": "echo", ...}: sent straight back (the benchmark's bound for the socket stack)
Frames it receives:
  {"type": "ready", "last_id"} after connecting, then the messages after `?after=<id>`
  {"type": "message", "message": {...}}   (chat.payload; the sender's own too)
  {"type": "removed", "id"}
  {"type": "sent", "client_id", "id"}     (the sender's acknowledgement)
  {"type": "error", "status", "code", "message", "fields", "client_id"?}  (nothing written)
A socket that may not join is accepted, told why in an error frame, and closed with
4401 (not signed in) or 4403 (not a member)."""

from contextlib import suppress
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from omniretail.community import chat, realtime, selectors
from omniretail.core.errors import DomainError, NotAuthenticated, PermissionDenied, field_error


def _error_frame(exc: DomainError, client_id=None) -> dict:
    frame = {
        "type": "error",
        "status": exc.status,
        "code": exc.code,
        "message": str(exc.message),
        "fields": {k: [str(m) for m in v] for k, v in (exc.fields or {}).items()},
    }
    if client_id is not None:
        frame["client_id"] = client_id
    return frame


class GroupChatConsumer(AsyncJsonWebsocketConsumer):
    group = None
    room = ""
    last_id = None

    async def connect(self):
        user = self.scope.get("user")
        await self.accept()
        if not getattr(user, "is_authenticated", False):
            await self.send_json(_error_frame(_not_signed_in()))
            await self.close(code=4401)
            return
        try:
            self.group, missed = await self._join(
                user, self.scope["url_route"]["kwargs"]["public_id"]
            )
        except DomainError as exc:
            await self.send_json(_error_frame(exc))
            await self.close(code=4403 if exc.status == 403 else 4404)
            return
        self.room = realtime.room(self.group)
        await self.channel_layer.group_add(self.room, self.channel_name)
        await self.send_json({"type": "ready", "last_id": self.last_id})
        for message in missed:
            await self.send_json({"type": "message", "message": message})

    @database_sync_to_async
    def _join(self, user, public_id):
        group = selectors.group(public_id)
        chat.require_member(user, group)  # or the reason: banned, pending, not in
        self.last_id = selectors.last_message_ids([group]).get(group.pk)
        after = _after(self.scope.get("query_string", b""))
        try:
            missed = selectors.history(group, after=after) if after else []
        except DomainError:  # a message this group does not hold: nothing to catch up
            missed = []
        return group, [chat.payload(m) for m in missed]

    async def disconnect(self, code):
        if self.room:
            await self.channel_layer.group_discard(self.room, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or self.group is None:
            return
        action = content.get("action")
        if action == "echo":
            await self.send_json({"type": "echo", **content})
        elif action == "send":
            client_id = content.get("client_id")
            try:
                message_id, held = await self._written(content)
            except DomainError as exc:
                await self.send_json(_error_frame(exc, client_id))
            else:
                await realtime.send_held(self.channel_layer, held)
                await self.send_json({"type": "sent", "client_id": client_id, "id": message_id})
        elif action == "read":
            await self._read(content.get("up_to"))
        else:
            await self.send_json(_error_frame(field_error("action", _("不支持的操作。"))))

    async def _written(self, content: dict) -> tuple[str, list]:
        """The write runs in the loop's thread pool, not Channels' one database thread per
        process: senders of different sockets write side by side (each thread its own
        connection; SQLite's IMMEDIATE transactions queue the writers, PostgreSQL runs
        them at once), where one thread made 50 senders wait in a line."""
        return await database_sync_to_async(self._send, thread_sensitive=False)(content)

    def _send(self, content: dict) -> tuple[str, list]:
        text = content.get("text", "")
        card = content.get("card") or None
        reply_to = content.get("reply_to")
        if not isinstance(text, str) or not (card is None or isinstance(card, dict)):
            raise field_error("text", _("消息格式不正确。"))
        if reply_to is not None and not isinstance(reply_to, str):
            raise field_error("reply_to", _("找不到要回复的消息。"))
        with realtime.held_for_the_loop() as held:
            message = chat.post_message(
                author=self.scope["user"],
                group=self.group,
                text=text,
                card=card,
                reply_to=reply_to,
            )
        return message.public_id, held

    @database_sync_to_async
    def _read(self, up_to) -> None:
        if isinstance(up_to, str) and up_to:
            with suppress(DomainError):  # not a message of this group: nothing to mark
                chat.mark_read(user=self.scope["user"], group=self.group, up_to=up_to)

    # ------------------------------------------------ events from realtime.after_commit

    async def chat_message(self, event):
        await self.send(text_data=event["frame"])  # encoded once for every member

    async def chat_removed(self, event):
        await self.send_json({"type": "removed", "id": event["id"]})

    async def chat_banned(self, event):
        if event["user"] == self.scope["user"].public_id:
            await self.send_json(_error_frame(_banned()))
            await self.close(code=4403)


def _after(query: bytes) -> str:
    values = parse_qs(query.decode("latin-1")).get("after", [])
    return values[0][:26] if values else ""


def _not_signed_in() -> DomainError:
    return NotAuthenticated(_("请先登录。"))


def _banned() -> DomainError:
    return PermissionDenied(_("您已被移出该群。"))
