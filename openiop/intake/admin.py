from django.contrib import admin

from openiop.intake.models import (
    Admission,
    PatientAvailability,
    PlacementDecision,
    PlacementPolicySetting,
    Referral,
    SafetyTask,
    ScreeningResponse,
)

admin.site.register(Referral)
admin.site.register(ScreeningResponse)
admin.site.register(SafetyTask)
admin.site.register(PlacementDecision)
admin.site.register(PlacementPolicySetting)
admin.site.register(Admission)
admin.site.register(PatientAvailability)
