from django.contrib.admin.apps import AdminConfig


class SongdaAdminConfig(AdminConfig):
    """Django's admin, with a site that lets company owners in (see admin_site)."""

    default_site = "apps.org.admin_site.OwnerAdminSite"
