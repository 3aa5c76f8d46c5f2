"""Tests of the diagnosis package: pure Python, no database, no Django."""
