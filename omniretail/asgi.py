"""The ASGI application uvicorn serves: Django for HTTP, and Channels for the chat's
WebSockets (/ws/...), signed in by the session cookie and accepted only from this site's
own hosts (ALLOWED_HOSTS), so another site's page cannot open a socket as the visitor."""

import logging
import os

import django
import jieba
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware loaded as one sync chain, run in one thread
    per request. Most of the middleware is Django's MiddlewareMixin, whose async path hops to
    a thread for each of its methods, and some of it (WhiteNoise, ours) is sync only, so the
    async chain went thread, loop, thread several times per request (1.6 ms of server CPU
    against 1.0 for a minimal view: bench/http.py's notes). An async view (the counters'
    long poll) still runs on the event loop, its request's thread waiting for it as it did
    behind the sync middleware before; streaming responses are sent as before."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
django.setup(set_prefix=False)  # as get_asgi_application() does, before the consumers import
django_application = SyncChainASGIHandler()

# Search and the FAQ assistant segment with jieba, whose dictionary takes 0.5–2 s to load:
# each server process loads it at start, so no shopper's first search waits for it.
jieba.setLogLevel(logging.WARNING)
jieba.initialize()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from omniretail.community.consumers import GroupChatConsumer  # noqa: E402

websocket_urlpatterns = [
    path("ws/community/<str:public_id>/", GroupChatConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
