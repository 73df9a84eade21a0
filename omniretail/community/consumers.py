"""The chat socket, /ws/community/<group>/: signed in by the session cookie (channels'
AuthMiddlewareStack), from an allowed origin (AllowedHostsOriginValidator, in asgi.py).

Frames the client sends (JSON):
  {"action": "send", "text", "reply_to"?, "card"?: {"kind", "id"}, "client_id"?}
  {"action": "read", "up_to": <message id>}
  {"action": "echo", ...}: sent straight back (the benchmark's bound for the socket stack)
Frames it receives:
  {"type": "ready", "last_id"} after connecting, then the messages after `?after=<id>`
  {"type": "message", "message": {...}}   (chat.payload; the sender's own too)
  {"type": "removed", "id"}
  {"type": "sent", "client_id", "id"}     (the sender's acknowledgement)
  {"type": "error", "status", "code", "message", "fields", "client_id"?}  (nothing written)
A socket that may not join is accepted, told why in an error frame, and closed with
4401 (not signed in) or 4403 (not a member)."""

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
        await self.send_json({"type": "ready", "last_id": self.group.last_message_id})
        for message in missed:
            await self.send_json({"type": "message", "message": message})

    @database_sync_to_async
    def _join(self, user, public_id):
        group = selectors.group(public_id)
        chat.require_member(user, group)  # or the reason: banned, pending, not in
        after = _after(self.scope.get("query_string", b""))
        missed = selectors.history(group, after=after) if after is not None else []
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
                message_id = await self._send(content)
            except DomainError as exc:
                await self.send_json(_error_frame(exc, client_id))
            else:
                await self.send_json({"type": "sent", "client_id": client_id, "id": message_id})
        elif action == "read":
            await self._read(content.get("up_to"))
        else:
            await self.send_json(_error_frame(field_error("action", _("不支持的操作。"))))

    @database_sync_to_async
    def _send(self, content: dict) -> int:
        text = content.get("text", "")
        card = content.get("card") or None
        reply_to = content.get("reply_to")
        if not isinstance(text, str) or not (card is None or isinstance(card, dict)):
            raise field_error("text", _("消息格式不正确。"))
        if reply_to is not None and not isinstance(reply_to, int):
            raise field_error("reply_to", _("找不到要回复的消息。"))
        message = chat.post_message(
            author=self.scope["user"], group=self.group, text=text, card=card, reply_to=reply_to
        )
        return message.pk

    @database_sync_to_async
    def _read(self, up_to) -> None:
        if isinstance(up_to, int) and up_to > 0:
            chat.mark_read(user=self.scope["user"], group=self.group, up_to=up_to)

    # ------------------------------------------------ events from realtime.after_commit

    async def chat_message(self, event):
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_removed(self, event):
        await self.send_json({"type": "removed", "id": event["id"]})

    async def chat_banned(self, event):
        if event["user"] == self.scope["user"].public_id:
            await self.send_json(_error_frame(_banned()))
            await self.close(code=4403)


def _after(query: bytes) -> int | None:
    values = parse_qs(query.decode("latin-1")).get("after", [])
    return int(values[0]) if values and values[0].isdigit() else None


def _not_signed_in() -> DomainError:
    return NotAuthenticated(_("请先登录。"))


def _banned() -> DomainError:
    return PermissionDenied(_("您已被移出该群。"))
