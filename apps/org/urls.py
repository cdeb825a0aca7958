from django.contrib.auth.views import LogoutView
from django.urls import path

from apps.org import views

app_name = "org"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("switch/", views.switch_company, name="switch_company"),
    path("profile/", views.profile, name="profile"),
    path("notices/", views.notices, name="notices"),
    path("settings/", views.company_settings, name="settings"),
    *views.depots.urls(),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_add, name="staff_add"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
]
