"""Treatment plans: versions (draft, signed, superseded), problems with ICD-10-CM codes, goals
in the program's skill domains, measurable objectives and their progress, interventions."""
