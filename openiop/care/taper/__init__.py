"""Tapering: the engine's inputs read from the database (``inputs``), recommendations (step
down, hold, step up) a clinician approves or declines, and each program's phases and
thresholds. The decision itself is ``openiop.domain.tapering`` (docs/tapering.md)."""
