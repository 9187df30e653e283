"""The proof a redemption needs: the member's one-time code, which only they can get. The
membership number alone (which other members may know) spends nobody's credits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import HistoryEntry, Membership, OrganisationKind, Person
from coproduce.people.permissions import viewer_for
from coproduce.timebank import services
from coproduce.timebank.models import (
    Account,
    Redemption,
    RedemptionCode,
    RedemptionCodeMiss,
    Reward,
    Transfer,
    TransferKind,
)
from tests.conftest import World, make_person
from tests.timebank.factories import member

pytestmark = pytest.mark.django_db
TUESDAY_MORNING = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Europe/London"))


def _desk(world: World) -> tuple[Reward, Person]:
    clerk = make_person("Pat Partner", "pat@cinema.example.org")
    cinema = people_services.organisation_create(
        name="Palace Cinema", kind=OrganisationKind.PARTNER, founder=clerk
    )
    reward = services.reward_create(
        viewer=viewer_for(clerk.user),
        partner_id=cinema.pk,
        bank_id=world.org.pk,
        name="Film",
        credits=60,
    )
    return reward, clerk


def _member_with_credits(world: World, name: str = "Ana", minutes: int = 300) -> Membership:
    membership = member(world, name)
    services.credit_award(
        viewer=world.viewer("staff"), membership=membership, minutes=minutes, reason="Thanks"
    )
    return membership


def _issue(membership: Membership) -> tuple[RedemptionCode, str]:
    return services.redemption_code_issue(
        viewer=viewer_for(membership.person.user), organisation_id=membership.organisation_id
    )


def _redeem(clerk: Person, reward: Reward, membership: Membership, code: str) -> Redemption:
    return services.reward_redeem(
        viewer=viewer_for(clerk.user),
        reward_id=reward.pk,
        membership_number=membership.number,
        code=code,
        at=TUESDAY_MORNING,
    )


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_members_code_redeems_once_and_is_marked_used(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    row, code = _issue(ana)
    assert re.fullmatch(r"\d{6}", code)
    assert row.expires_at - row.issued_at == timedelta(minutes=10)
    redemption = _redeem(clerk, reward, ana, f" {code[:3]} {code[3:]} ")
    row.refresh_from_db()
    assert row.redemption == redemption and row.used_at is not None
    assert Account.objects.get(membership=ana).balance == 240
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, ana, code)
    assert (error.value.field, error.value.message) == (
        "code",
        "That redemption code has already been used. Ask the member to get a new one.",
    )
    assert Redemption.objects.count() == 1
    assert not RedemptionCodeMiss.objects.exists()


def test_the_membership_number_alone_spends_nothing(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    _row, code = _issue(ana)
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, ana, "")
    assert (error.value.field, error.value.message) == (
        "code",
        "Enter the member's redemption code: the 6 digits on their time bank page.",
    )
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, ana, _wrong(code))
    assert (error.value.field, error.value.message) == (
        "code",
        f"That redemption code is not right for membership {ana.number}. Check it with the "
        f"member, or ask them to get a new one.",
    )
    assert not Transfer.objects.filter(kind=TransferKind.REDEMPTION).exists()
    assert Account.objects.get(membership=ana).balance == 300
    miss = RedemptionCodeMiss.objects.get()
    assert (miss.membership, miss.partner, miss.entered_by) == (ana, reward.partner, clerk)


def test_one_members_code_does_not_redeem_for_another(world: World) -> None:
    ana = _member_with_credits(world)
    bea = _member_with_credits(world, "Bea")
    reward, clerk = _desk(world)
    _row, code = _issue(ana)
    with pytest.raises(InvalidInput, match="not right for membership"):
        _redeem(clerk, reward, bea, code)
    assert not Redemption.objects.exists()


def test_an_expired_code_is_refused(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    row, code = _issue(ana)
    RedemptionCode.objects.filter(pk=row.pk).update(
        issued_at=row.issued_at - timedelta(minutes=11),
        expires_at=row.expires_at - timedelta(minutes=11),
    )
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, ana, code)
    assert error.value.message == (
        "That redemption code has expired (a code lasts 10 minutes). Ask the member to get a "
        "new one."
    )
    assert not Redemption.objects.exists()


def test_a_new_code_replaces_the_open_one(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    first, old_code = _issue(ana)
    second, new_code = _issue(ana)
    first.refresh_from_db()
    assert first.replaced_at is not None and second.replaced_at is None
    if old_code != new_code:  # one chance in a million that the two are the same digits
        with pytest.raises(InvalidInput) as error:
            _redeem(clerk, reward, ana, old_code)
        assert error.value.message == (
            "That redemption code has been replaced by a newer one. Ask the member for their "
            "latest code."
        )
    assert _redeem(clerk, reward, ana, new_code).membership == ana


def test_the_code_is_stored_only_as_a_keyed_hash(world: World) -> None:
    ana = _member_with_credits(world)
    row, code = _issue(ana)
    row.refresh_from_db()
    assert code not in row.code_hash and len(row.code_hash) == 64
    entry = HistoryEntry.objects.get(action="timebank.redemption_code_issued")
    assert code not in str(entry.detail)


def test_five_wrong_codes_shut_the_desk_out_for_fifteen_minutes(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    _row, code = _issue(ana)
    for _guess in range(5):
        with pytest.raises(InvalidInput, match="not right for membership"):
            _redeem(clerk, reward, ana, _wrong(code))
    first_miss = RedemptionCodeMiss.objects.order_by("entered_at").first()
    assert first_miss is not None
    free_at = timezone.localtime(first_miss.entered_at + timedelta(minutes=15))
    # Even the right code is refused now, and the refusal is not another miss.
    with pytest.raises(Conflict) as error:
        _redeem(clerk, reward, ana, code)
    assert error.value.message == (
        f"Too many wrong redemption codes have been typed for membership {ana.number}. Try "
        f"again after {free_at:%H:%M}, with a new code from the member."
    )
    assert RedemptionCodeMiss.objects.count() == 5
    assert not Redemption.objects.exists()
    # Fifteen minutes later the member's code is taken again.
    RedemptionCodeMiss.objects.update(entered_at=timezone.now() - timedelta(minutes=15))
    assert _redeem(clerk, reward, ana, code).membership == ana


def test_four_wrong_codes_still_let_the_right_one_through(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    _row, code = _issue(ana)
    for _guess in range(4):
        with pytest.raises(InvalidInput):
            _redeem(clerk, reward, ana, _wrong(code))
    assert _redeem(clerk, reward, ana, code).membership == ana


def test_only_an_active_member_gets_a_code_for_themselves(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.redemption_code_issue(
            viewer=world.viewer("commissioner"), organisation_id=world.org.pk
        )
    with pytest.raises(NotFound):
        services.redemption_code_issue(
            viewer=world.viewer("outsider"), organisation_id=world.org.pk
        )
    assert not RedemptionCode.objects.exists()


# --- the pages and the API ------------------------------------------------------------------


def _client(person: Person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def _code_on_page(html: str) -> str:
    match = re.search(r"data-redemption-code>(\d{3}) (\d{3})<", html)
    assert match, html
    return match.group(1) + match.group(2)


def test_the_rewards_page_gives_a_code_that_the_desk_takes(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    rewards_url = reverse("timebank:rewards", args=[world.org.pk])
    assert "Get a redemption code" in _client(ana.person).get(rewards_url).content.decode()
    response = _client(ana.person).post(rewards_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    code = _code_on_page(response.content.decode())
    desk = _client(clerk)
    desk_url = reverse("timebank:partner_desk", args=[reward.partner_id])
    form = {
        "form": "redeem",
        "redeem-reward": reward.pk,
        "redeem-membership_number": ana.number,
        "redeem-code": _wrong(code),
    }
    page = desk.post(desk_url, form).content.decode()
    assert f"That redemption code is not right for membership {ana.number}." in page
    assert not Redemption.objects.exists()
    assert desk.post(desk_url, {**form, "redeem-code": code}).status_code == 302
    assert Redemption.objects.get().membership == ana


def test_the_api_gives_a_member_a_code_and_the_desk_needs_it(world: World) -> None:
    ana = _member_with_credits(world)
    reward, clerk = _desk(world)
    member_client = _client(ana.person)
    response = member_client.post(
        "/api/v1/timebank/redemption-codes",
        {"bank_id": world.org.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    assert (body["membership_number"], body["bank_id"]) == (ana.number, world.org.pk)
    url = f"/api/v1/timebank/rewards/{reward.pk}/redemptions"
    desk = _client(clerk)
    refused = desk.post(
        url,
        {"membership_number": ana.number},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert refused.status_code == 422
    wrong = desk.post(
        url,
        {"membership_number": ana.number, "code": _wrong(body["code"])},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["field"] == "code"
    assert not Redemption.objects.exists()
    done = desk.post(
        url,
        {"membership_number": ana.number, "code": body["code"]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert done.status_code == 201
    assert Redemption.objects.get().pk == done.json()["id"]
