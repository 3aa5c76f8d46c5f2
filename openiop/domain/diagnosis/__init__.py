"""Diagnosis codes: ICD-10-CM format check and the curated table of codes IOPs use (``icd10``).

Pure Python, read by the care app when a treatment-plan problem is linked to a diagnosis.
"""
