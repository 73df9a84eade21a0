"""The ASGI application uvicorn serves: Django for HTTP, and Channels for the chat's
WebSockets (/ws/...), signed in by the session cookie and accepted only from this site's
own hosts (ALLOWED_HOSTS), so another site's page cannot open a socket as the visitor."""

import logging
import os

import jieba
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
django_application = get_asgi_application()  # sets Django up before the consumers import

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
