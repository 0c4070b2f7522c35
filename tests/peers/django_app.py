"""A real Django project in one file, for authfetch's tests: Django REST framework SimpleJWT
(api/token/, api/token/refresh/, api/token/verify/, api/me/) and Django OAuth Toolkit (o/token/ with
the password grant, o/api/me). Debian's packages, run with /usr/bin/python3; nothing here is a
stand-in.

Usage: /usr/bin/python3 django_app.py CONFIG_JSON
CONFIG_JSON: {"db": path, "users": {name: password}, "client": {"id", "secret"}, "accessSeconds": n}.
Serves on 127.0.0.1, a free port, printed as "PORT <n>" on standard output; exits when standard input
closes (so it never outlives the test that started it).
"""

import json
import os
import sys
import threading
from datetime import timedelta

import django
from django.conf import settings

config = json.loads(sys.argv[1])

settings.configure(
    DEBUG=False,
    SECRET_KEY="authfetch-tests-" + os.urandom(16).hex(),
    ALLOWED_HOSTS=["127.0.0.1"],
    ROOT_URLCONF=__name__,
    USE_TZ=True,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "rest_framework",
        "oauth2_provider",
    ],
    MIDDLEWARE=[],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": config["db"]}},
    DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    REST_FRAMEWORK={"UNAUTHENTICATED_USER": None},
    SIMPLE_JWT={
        "ACCESS_TOKEN_LIFETIME": timedelta(seconds=config.get("accessSeconds", 300)),
        "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
        "ROTATE_REFRESH_TOKENS": False,
    },
    OAUTH2_PROVIDER={
        "ACCESS_TOKEN_EXPIRE_SECONDS": config.get("oauthAccessSeconds", 86400),
        "ROTATE_REFRESH_TOKEN": True,
    },
)
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from oauth2_provider.contrib.rest_framework import OAuth2Authentication  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402
from oauth2_provider.views import TokenView  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework_simplejwt.authentication import JWTAuthentication  # noqa: E402
from rest_framework_simplejwt.views import (  # noqa: E402
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)


class JwtMe(APIView):
    authentication_classes = [JWTAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"username": request.user.username})


class OAuthMe(APIView):
    authentication_classes = [OAuth2Authentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"username": request.user.username})


urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/me/", JwtMe.as_view()),
    path("o/token/", TokenView.as_view()),
    path("o/api/me", OAuthMe.as_view()),
]

call_command("migrate", verbosity=0, interactive=False)
for name, password in config.get("users", {}).items():
    User.objects.create_user(username=name, password=password)
client = config.get("client")
if client is not None:
    Application = get_application_model()
    Application.objects.create(
        name="authfetch tests",
        client_id=client["id"],
        client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_PASSWORD,
    )

from socketserver import ThreadingMixIn  # noqa: E402
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server  # noqa: E402


class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Quiet(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


httpd = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=Server, handler_class=Quiet)


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=watch_stdin, daemon=True).start()
print(f"PORT {httpd.server_port}", flush=True)
httpd.serve_forever()
