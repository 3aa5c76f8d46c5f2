"""WSGI entry point (gunicorn openiop.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openiop.config.settings")
application = get_wsgi_application()
