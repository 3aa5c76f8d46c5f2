"""WSGI entry point (gunicorn openiop.config.wsgi; `openiop runserver` loads it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openiop.config.settings")
# A web process: its database statements get the web time limit (DATABASE_STATEMENT_TIMEOUT_MS).
os.environ.setdefault("OPENIOP_PROCESS", "web")
application = get_wsgi_application()

# Without a task worker (`make demo`, SCHEDULE_INLINE_FALLBACK=1), run the tasks an earlier
# server process left queued; nothing when the setting is off (production runs db_worker).
from openiop.core import tasks  # noqa: E402

tasks.kick()
