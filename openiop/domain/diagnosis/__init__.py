"""Diagnosis codes: ICD-10-CM checked against the full code set of the fiscal year (``icd10``).

Pure Python, read by the care app when a treatment-plan problem is linked to a diagnosis and by
the ``openiop icd10`` command.
"""
