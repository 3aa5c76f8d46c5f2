from django.contrib import admin

from openiop.organization.models import Organization, Program, Room, Site, StaffProfile, Track

for model in (Organization, Site, Program, Track, Room, StaffProfile):
    admin.site.register(model)
