"""Organisation copies of instruments: services, pages and API."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from coproduce.audit import instruments as documents
from coproduce.audit.models import Instrument
from coproduce.audit.services import instruments as services
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import HistoryEntry

pytestmark = pytest.mark.django_db


def _copy(world: Any, role: str = "manager") -> Instrument:
    return services.instrument_copy_default(viewer=world.viewer(role), organisation_id=world.org.pk)


def _default_text(**changes: str) -> str:
    text = documents.instrument_text(documents.instrument_default())
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


def _api(path: str) -> str:
    return f"/api/v1/audit{path}"


def test_copy_default_makes_version_one_once(world: Any) -> None:
    first = _copy(world)
    assert (first.code, first.version, first.based_on) == ("default", 1, "default@1")
    assert documents.instrument_from_document(first.document) == documents.instrument_default()
    assert first.created_by == world.people["manager"]
    again = _copy(world, "admin")
    assert again.pk == first.pk
    assert Instrument.objects.filter(organisation=world.org).count() == 1
    assert HistoryEntry.objects.filter(action="audit.instrument_copied").count() == 1


def test_copy_needs_a_manager(world: Any) -> None:
    with pytest.raises(PermissionDenied, match="to copy the default audit instrument"):
        _copy(world, "staff")
    with pytest.raises(NotFound):
        services.instrument_copy_default(
            viewer=world.viewer("outsider"), organisation_id=world.org.pk
        )


def test_version_add_saves_the_next_version(world: Any) -> None:
    copy = _copy(world)
    text = _default_text(**{"Staff learn from members.": "Staff learn from the members."})
    second = services.instrument_version_add(
        viewer=world.viewer("manager"), instrument_id=copy.pk, text=text
    )
    assert (second.code, second.version, second.based_on) == ("default", 2, "default@1")
    parsed = documents.instrument_from_document(second.document)
    assert parsed.version == 2
    assert parsed.item("MUTUALITY2").text == "Staff learn from the members."  # type: ignore[union-attr]
    # Saving from the old version still numbers after the latest.
    third = services.instrument_version_add(
        viewer=world.viewer("manager"), instrument_id=copy.pk, text=text
    )
    assert third.version == 3
    assert HistoryEntry.objects.filter(action="audit.instrument_version_added").count() == 2


def test_version_add_refuses_text_with_the_line(world: Any) -> None:
    copy = _copy(world)
    bad = _default_text(**{"  - code: ASSETS2\n": "  - code: ASSETS1\n"})
    line = (
        bad.splitlines().index("  - code: ASSETS1", bad.splitlines().index("  - code: ASSETS1") + 1)
        + 1
    )
    with pytest.raises(InvalidInput) as caught:
        services.instrument_version_add(
            viewer=world.viewer("manager"), instrument_id=copy.pk, text=bad
        )
    assert caught.value.field == "text"
    assert caught.value.message == f"line {line}: the item code 'ASSETS1' is used twice"
    renamed = _default_text(**{"id: default\n": "id: mine\n"})
    with pytest.raises(
        InvalidInput,
        match=r"^line 1: the id must stay 'default' \(this instrument's code\), not 'mine'$",
    ):
        services.instrument_version_add(
            viewer=world.viewer("manager"), instrument_id=copy.pk, text=renamed
        )
    assert Instrument.objects.filter(organisation=world.org).count() == 1


def test_version_add_by_staff_or_another_organisation(world: Any) -> None:
    copy = _copy(world)
    with pytest.raises(PermissionDenied):
        services.instrument_version_add(
            viewer=world.viewer("staff"), instrument_id=copy.pk, text=_default_text()
        )
    with pytest.raises(NotFound):
        services.instrument_version_add(
            viewer=world.viewer("outsider"), instrument_id=copy.pk, text=_default_text()
        )


def test_instrument_for_round(world: Any) -> None:
    made = services.instrument_for_round(organisation=world.org, instrument_id=None)
    assert (made.code, made.version, made.created_by) == ("default", 1, None)
    assert services.instrument_for_round(organisation=world.org, instrument_id=None) == made
    second = services.instrument_version_add(
        viewer=world.viewer("manager"), instrument_id=made.pk, text=_default_text()
    )
    assert services.instrument_for_round(organisation=world.org, instrument_id=None) == second
    assert services.instrument_for_round(organisation=world.org, instrument_id=made.pk) == made
    with pytest.raises(NotFound):
        services.instrument_for_round(organisation=world.other_org, instrument_id=made.pk)


def test_pages_copy_list_detail_and_edit(world: Any) -> None:
    client = world.client("manager")
    listing = reverse("audit:instruments", args=[world.org.pk])
    page = client.get(listing).content.decode()
    assert "Copy the default instrument" in page and "0 instruments" in page
    response = client.post(reverse("audit:instrument_copy", args=[world.org.pk]))
    copy = Instrument.objects.get(organisation=world.org)
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:instrument_detail", args=[copy.pk])
    detail = html.unescape(client.get(response["Location"]).content.decode())
    assert "People who use this service help run it." in detail
    assert "Where is this activity on the ladder?" in detail
    assert "Think Local Act Personal" in detail
    edit_url = reverse("audit:instrument_edit", args=[copy.pk])
    form = html.unescape(client.get(edit_url).content.decode())
    assert "id: default" in form and "ASSETS1" in form
    bad = client.post(edit_url, {"text": "id: default\nversion: 1\ntitle: [\n"})
    assert bad.status_code == 400
    assert "line 4: " in html.unescape(bad.content.decode())
    saved = client.post(
        edit_url,
        {"text": _default_text(**{"title: Co-production self-assessment": "title: Our audit"})},
    )
    latest = Instrument.objects.get(organisation=world.org, version=2)
    assert saved["Location"] == reverse("audit:instrument_detail", args=[latest.pk])
    listed = client.get(listing).content.decode()
    assert "Our audit" in listed and "1 instrument<" in listed
    assert "Copy the default instrument" not in listed


def test_member_reads_but_cannot_edit(world: Any) -> None:
    copy = _copy(world)
    client = world.client("member")
    page = client.get(reverse("audit:instrument_detail", args=[copy.pk])).content.decode()
    assert "Edit" not in page
    assert client.get(reverse("audit:instrument_edit", args=[copy.pk])).status_code == 403


def test_the_list_runs_a_fixed_number_of_queries(
    world: Any, django_assert_num_queries: Any
) -> None:
    copy = _copy(world)
    client = world.client("member")
    url = reverse("audit:instruments", args=[world.org.pk])
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for _ in range(3):
        services.instrument_version_add(
            viewer=world.viewer("manager"), instrument_id=copy.pk, text=_default_text()
        )
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert "1 instrument<" in page


def test_api_list_get_and_new_version(world: Any) -> None:
    copy = _copy(world)
    client = world.client("manager")
    listed = client.get(_api(f"/organisations/{world.org.pk}/instruments")).json()
    assert listed["count"] == 1 and listed["items"][0]["code"] == "default"
    got = client.get(_api(f"/instruments/{copy.pk}")).json()
    assert got["document"] == copy.document and got["versions"] == [1]
    posted = client.post(
        _api(f"/instruments/{copy.pk}/versions"),
        data={"text": _default_text()},
        content_type="application/json",
    )
    assert posted.status_code == 201, posted.content
    assert posted.json()["version"] == 2 and posted.json()["versions"] == [2, 1]
    refused = client.post(
        _api(f"/instruments/{copy.pk}/versions"),
        data={"text": "id: default\nversion: 1\ntitle: x\n"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "text"
    assert refused.json()["error"]["message"] == "line 1: the instrument has no 'sections'"
    again = client.post(_api(f"/organisations/{world.org.pk}/instruments/copy-default"))
    assert again.status_code == 200 and again.json()["version"] == 2
    outsider = world.client("outsider").get(_api(f"/instruments/{copy.pk}"))
    assert outsider.status_code == 404
