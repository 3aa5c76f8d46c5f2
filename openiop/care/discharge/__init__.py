"""Discharge: type, summary, continuing-care plan and alumni follow-ups. Discharging ends the
enrolment and supersedes its pending taper recommendations."""
