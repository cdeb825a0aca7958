from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from apps.org import selectors, services
from apps.org.access import member_required, section_required
from apps.org.crud import Column, Crud
from apps.org.forms import (
    CompanyForm,
    DepotForm,
    LanguageForm,
    LoginForm,
    StaffAddForm,
    StaffEditForm,
)
from apps.org.middleware import SESSION_COMPANY_KEY
from apps.org.models import Depot, StaffMember
from apps.org.scoping import get_scoped_or_404


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    template_name = "org/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "org/password_change.html"
    success_url = reverse_lazy("org:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "org/password_change_done.html"


@require_POST
def switch_company(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404
    company_id = request.POST.get("company", "")
    memberships = selectors.memberships_of(user=request.user)
    staff = memberships.filter(company_id=company_id).first() if company_id.isdigit() else None
    if staff is None:
        raise Http404
    request.session[SESSION_COMPANY_KEY] = staff.company_id
    messages.success(request, _("You are now working in %(company)s.") % {"company": staff.company})
    return redirect("home")


@member_required
def profile(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your preferences were saved."))
        return redirect("org:profile")
    memberships = selectors.memberships_of(user=request.user)
    return render(request, "org/profile.html", {"form": form, "memberships": memberships})


@member_required
def notices(request: HttpRequest) -> HttpResponse:
    staff = request.staff  # type: ignore[attr-defined]
    items = list(selectors.notice_list(staff=staff)[:100])
    if request.method == "POST":
        services.notices_mark_read(staff=staff)
        return redirect("org:notices")
    return render(request, "org/notices.html", {"notices": items})


@section_required("company")
def company_settings(request: HttpRequest) -> HttpResponse:
    form = CompanyForm(request.POST or None, instance=request.company)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The company details were saved."))
        return redirect("org:settings")
    return render(request, "org/settings.html", {"form": form})


depots = Crud(
    section="company",
    name="depot",
    model=Depot,
    form_class=DepotForm,
    plural_url="depots",
    columns=(
        Column(_l("name"), "name"),
        Column(_l("address"), "address"),
        Column(_l("phone"), "phone"),
        Column(_l("opens at"), "opens_at"),
        Column(_l("closes at"), "closes_at"),
        Column(_l("active"), "is_active"),
    ),
)


@section_required("company")
def staff_list(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_list(company=request.company)  # type: ignore[attr-defined]
    return render(request, "org/staff_list.html", {"staff_members": staff})


@section_required("company")
def staff_add(request: HttpRequest) -> HttpResponse:
    form = StaffAddForm(request.POST or None, company=request.company)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        staff = services.staff_add(company=request.company, **form.cleaned_data)  # type: ignore[attr-defined]
        messages.success(request, _("%(person)s was added.") % {"person": staff})
        return redirect("org:staff_list")
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": _("Add staff"), "cancel_url": reverse("org:staff_list")},
    )


@section_required("company")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_scoped_or_404(StaffMember.objects.select_related("user"), request.company, pk=pk)  # type: ignore[attr-defined]
    form = StaffEditForm(request.POST or None, instance=staff, company=request.company)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(staff=staff, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(person)s was saved.") % {"person": staff.user.display_name}
            )
            return redirect("org:staff_list")
    return render(
        request,
        "core/form_page.html",
        {"form": form, "title": staff.user.display_name, "cancel_url": reverse("org:staff_list")},
    )
