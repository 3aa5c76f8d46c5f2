"""Settings for the test suite: the real settings with a fixed key and a fast hasher.

DATABASE_URL still decides SQLite or PostgreSQL, so CI runs the same suite on both.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-checks")
os.environ.setdefault("OPENIOP_INSECURE_HTTP", "1")

from openiop.config.settings import *  # noqa: F403

PASSWORD_HASHERS = [  # speed: Argon2 itself is tested in accounts tests
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "openiop.accounts.hashers.OpenIOPArgon2PasswordHasher",
]
SECURE_SSL_REDIRECT = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
