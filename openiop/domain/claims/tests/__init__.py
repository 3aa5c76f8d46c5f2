"""Tests of the X12 claim writers and validator (no database)."""
