"""Tests of weekly-hours compliance (no database)."""
