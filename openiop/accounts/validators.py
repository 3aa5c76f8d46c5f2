"""Password rules beyond Django's: long passphrases are allowed, absurd ones refused."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """Allow at least 64 characters (ASVS 6.2.9) but refuse hashing megabytes of input."""

    max_length = 256

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"This password is too long: at most {self.max_length} characters.",
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return f"Your password can be up to {self.max_length} characters long."
