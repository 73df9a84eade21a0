"""The ASGI application uvicorn serves: Django for HTTP, and Channels for the chat's
WebSockets (/ws/...), signed in by the session cookie and accepted only from this site's
own hosts (ALLOWED_HOSTS), so another site's page cannot open a socket as the visitor."""

import logging
import os
from concurrent.futures import ThreadPoolExecutor

import django
import jieba
from asgiref.sync import async_to_sync, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.urls import set_script_prefix

# The threads requests run in, kept between requests (Django's handler starts one per request
# for its ThreadSensitiveContext: 0.2-0.3 ms of CPU each). Idle ones are reused; up to this
# many run at once, as many as requests wait (a long poll holds one while its view waits).
REQUEST_THREADS = ThreadPoolExecutor(max_workers=500, thread_name_prefix="omniretail-request")


class SyncChainASGIHandler(ASGIHandler):
    """Django's ASGI handler with the middleware loaded as one sync chain, run in one thread
    hop per request. Most of the middleware is Django's MiddlewareMixin, whose async path hops
    to a thread for each of its methods, and some of it (WhiteNoise, ours) is sync only, so the
    async chain went thread, loop, thread several times per request (1.6 ms of server CPU
    against 1.0 for a minimal view: bench/http.py's notes).

    The one hop carries the whole request: the request_started receivers, the chain and the
    view, and the response's close() (request_finished, which hands the thread's database
    connection back to the pool), on a thread kept from REQUEST_THREADS, where Django's own
    handler started a new thread per request and hopped three times (bench/http_writes.py's
    notes). A streaming response is sent from that thread too (its chunks on the event loop),
    so its iterator reads through the view's connection and is closed where it was opened. An
    async view (the counters' long poll) still runs on the event loop, its request's thread
    waiting for it as before."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            respond = sync_to_async(self._respond, thread_sensitive=False, executor=REQUEST_THREADS)
            response = await respond(scope, body_file, send)
            if response is not None:  # closed already; a streaming one was sent by the thread
                await self.send_response(response, send)
        finally:
            body_file.close()

    def _respond(self, scope, body_file, send):
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if response.streaming:
            try:
                async_to_sync(self.send_response)(response, send)
            finally:
                response.close()
            return None
        response.close()
        return response


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
