"""Measurement-based care: repeated instruments per track, the measures due, scores with
reliable change and trajectory charts, and the per-track and per-organization settings. The
pure rules are ``openiop.domain.measures``; scores are intake's ``ScreeningResponse`` rows."""
