"""Billing rules in pure Python: a patient's day as a charge (`charges.py`) and the checks of a
coverage and of a Medicare certification before any claim (`coverage.py`)."""
