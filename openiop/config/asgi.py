"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openiop.config.settings")
# A web process: its database statements get the web time limit (DATABASE_STATEMENT_TIMEOUT_MS).
os.environ.setdefault("OPENIOP_PROCESS", "web")
application = get_asgi_application()
