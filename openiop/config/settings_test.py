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

# The same databases through test-only backends whose flush (run after each transactional
# test) lifts the audit table's append-only triggers; see openiop/core/testdb.
_db = DATABASES["default"]  # noqa: F405
_db["ENGINE"] = {
    "django.db.backends.sqlite3": "openiop.core.testdb.sqlite3",
    "django.db.backends.postgresql": "openiop.core.testdb.postgresql",
}.get(_db["ENGINE"], _db["ENGINE"])
if _db["ENGINE"] == "openiop.core.testdb.sqlite3":
    # pytest-django recognises in-memory SQLite by the stock engine name; say it explicitly so
    # parallel workers keep one in-memory database each.
    _db.setdefault("TEST", {}).setdefault("NAME", ":memory:")
