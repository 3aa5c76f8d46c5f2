"""Tests of the cost estimate (no database)."""
