from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from openiop.accounts.models import User


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("OpenIOP", {"fields": ("role", "organization", "can_break_glass")}))  # type: ignore[operator]
    list_display = ["username", "first_name", "last_name", "role", "organization", "is_active"]
