"""Pages and reads across every care sub-area: the care dashboard (measures due, open relapse
responses, recommendations awaiting a clinician), a patient's progress view and its API
summary (the evidence for each decision on one screen), and the settings index."""
