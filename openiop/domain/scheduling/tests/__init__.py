"""Tests of the scheduling domain: no database, no Django."""
