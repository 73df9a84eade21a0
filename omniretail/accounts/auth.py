"""How the API knows who is calling: a bearer token for API clients, the session cookie
(with CSRF on writes) for pages."""

from ninja.security import HttpBearer, django_auth

from omniretail.accounts.services import authenticate_api_token


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]
