"""Measurement-based care: which repeated measures are due, reliable change, trajectory charts.

Pure Python, read by the care app (``openiop.care.measures``), whose
settings override the defaults here per track (schedules) and per organization (reliability
values). Modules:

- ``schedule``: a track's repeated instruments and when each is next due;
- ``reliable_change``: Jacobson & Truax reliable change with cited SD and reliability values;
- ``trajectory``: the geometry of a score-over-time chart drawn as inline SVG by a template.
"""
