"""Password rules beyond Django's: long passphrases are allowed, absurd or repetitive ones
refused."""

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


def repeating_unit(password: str) -> str | None:
    """The shortest piece that the whole password repeats (a last partial copy allowed), or
    None when it repeats nothing. Case is ignored: "AbcABCabcaBC" repeats "abc"."""
    text = password.casefold()
    length = len(text)
    for size in range(1, length // 2 + 1):
        unit = text[:size]
        if (unit * (length // size + 1))[:length] == text:
            return unit
    return None


class RepetitiveValidator:
    """Refuse a password that is one short piece repeated ("aaaaaaaaaaaa", "abcabcabcabc").

    Such a password is only as hard to guess as the piece it repeats: guessing tools try
    repetitions first (NIST SP 800-63B (2017) §5.1.1.2 lists "repetitive or sequential
    characters (e.g. 'aaaaaa')" among the values a verifier refuses). A piece of
    `min_unit_length` characters or more may repeat, so a long doubled passphrase is still
    accepted.
    """

    def __init__(self, min_unit_length: int = 12) -> None:
        self.min_unit_length = min_unit_length

    def validate(self, password: str, user: Any = None) -> None:
        unit = repeating_unit(password)
        if unit is not None and len(unit) < self.min_unit_length:
            raise ValidationError(
                "This password repeats the same few characters over and over, which makes it "
                "easy to guess. Choose something that does not repeat, such as a few "
                "unrelated words.",
                code="password_repetitive",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be the same few characters repeated (like abcabcabcabc)."
