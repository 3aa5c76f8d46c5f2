"""Tests of the measures package: pure Python, no database, no Django."""
