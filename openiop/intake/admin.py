from django.contrib import admin

from openiop.intake.models import Referral

admin.site.register(Referral)
