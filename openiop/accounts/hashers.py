"""Argon2id with parameters above the OWASP ASVS 5.0 Appendix C floor.

ASVS accepts argon2id with t=2 and m >= 19 MiB (p=1) among its options; Django's default
(t=2, m=100 MiB, p=8) differs between versions, so OpenIOP pins its own.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OpenIOPArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 47_104  # KiB = 46 MiB, above the ASVS t=2 floor of 19 MiB
    parallelism = 1
