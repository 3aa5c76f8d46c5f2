"""Relapse response: a return to use (reported, or an unexpected positive screen) opens a
workflow of safety check, plan revision, care-team notice and level-of-care review, then close.
While open it holds tapering (``care.taper``)."""
