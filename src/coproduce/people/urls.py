from django.contrib.auth import views as auth_views
from django.urls import path

from coproduce.people import views
from coproduce.people.forms import SignInForm

app_name = "people"

urlpatterns = [
    path("join/", views.register, name="register"),
    path("organisations/", views.organisation_browse, name="organisation_browse"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<slug:slug>/apply/", views.organisation_apply, name="organisation_apply"),
    path("organisations/<slug:slug>/members/", views.member_list, name="member_list"),
    path("organisations/<slug:slug>/members/new/", views.person_create, name="person_create"),
    path(
        "organisations/<slug:slug>/applications/", views.application_list, name="application_list"
    ),
    path("organisations/<slug:slug>/invite/", views.invite, name="invite"),
    path(
        "applications/<int:membership_id>/decide/",
        views.application_decide,
        name="application_decide",
    ),
    path("memberships/<int:membership_id>/", views.membership_detail, name="membership_detail"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/vetting/", views.vetting, name="vetting"),
    path("people/<int:person_id>/erase/", views.person_erase, name="person_erase"),
    path("profile/", views.profile, name="profile"),
    path("profile/consent/", views.consent_update, name="consent_update"),
    path("profile/skills/", views.skill_add, name="skill_add"),
    path("profile/skills/<int:skill_id>/remove/", views.skill_remove, name="skill_remove"),
    path("profile/tokens/new/", views.token_create, name="token_create"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

account_urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
