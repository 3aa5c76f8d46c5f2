"""The `openiop` console command: a thin wrapper over Django's management commands.

`openiop demo-data`, `openiop audit verify`, `openiop score ...`, `openiop placement recommend
...` and the rest are management commands of the OpenIOP apps; this entry point only selects
the settings module.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openiop.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["openiop", *args])


if __name__ == "__main__":
    main()
