from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "message"]
    list_filter = ["action"]
    search_fields = ["target", "actor__username"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "action", "target", "message", "details"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class RoundsUserAdmin(UserAdmin):
    def get_queryset(self, request):
        # An admin who is not a superuser must not take over a superuser's account.
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only superusers grant superuser status or permissions outside the roles.
            readonly += ["is_superuser", "user_permissions", "groups"]
        return readonly
