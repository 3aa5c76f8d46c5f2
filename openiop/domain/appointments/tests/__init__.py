"""Tests of the appointment placer and its validator: no database, no Django."""
