"""Pure rules of the care app (no Django): ICD-10-CM validation, reliable change, measure
schedules and trajectory charts.

They live here rather than in ``openiop/domain/`` only because this app's engineer owns
``openiop/care/**``; nothing in this package imports Django, so it can move to
``openiop/domain/care`` unchanged.
"""
