"""Tests of the screening package: pure Python, no database, no Django."""
