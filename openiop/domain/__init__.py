"""Pure-Python domain core of OpenIOP.

Nothing under this package imports Django or any OpenIOP app (an import-linter contract
enforces it): clinical and scheduling rules are plain functions over frozen dataclasses.
"""
