#!/usr/bin/env python
"""Django's command-line utility; `openiop` is the installed equivalent."""

from openiop.cli import main

if __name__ == "__main__":
    main()
