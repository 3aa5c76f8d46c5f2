from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from openiop.accounts.models import User


@admin.register(User)
class StaffUserAdmin(UserAdmin[User]):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("OpenIOP", {"fields": ("role", "organization", "can_break_glass")}),
    )
    list_display = ["username", "first_name", "last_name", "role", "organization", "is_active"]
