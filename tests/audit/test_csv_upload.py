"""Uploading a paper round's CSV through the page: check first, then save all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coproduce.audit.forms_rounds import CSV_LIMIT
from coproduce.audit.models import Respondent
from coproduce.audit.selectors.rounds import round_instrument
from tests.audit.factories import round_for

HEADER = "respondent,group,item,answer\n"


def _file(text: str | bytes, name: str = "paper.csv") -> SimpleUploadedFile:
    body = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, body, content_type="text/csv")


def _rows(round_: Any, rows: list[tuple[str, str, str]]) -> str:
    code = round_instrument(round_).items()[0].code
    return HEADER + "".join(f"{who},{group},{code},{value}\n" for who, group, value in rows)


def test_the_check_shows_what_would_be_saved_and_saves_nothing(world: Any) -> None:
    found = round_for(world)
    text = _rows(found, [("P1", "staff", "4"), ("P2", "member", "2"), ("P3", "member", "")])
    url = reverse("audit:csv_upload", args=[found.pk])
    response = world.client("manager").post(url, {"file": _file(text)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 paper forms: 1 from staff and 2 from members" in page
    assert "Save 3 paper forms" in page
    assert not Respondent.objects.filter(round=found).exists()


def test_confirming_saves_every_form_as_sent(world: Any) -> None:
    found = round_for(world)
    text = _rows(found, [("P1", "staff", "4"), ("P2", "member", "2")])
    # A browser sends the hidden copy back with CRLF line ends.
    response = world.client("manager").post(
        reverse("audit:csv_upload", args=[found.pk]), {"text": text.replace("\n", "\r\n")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("audit:round_detail", args=[found.pk])
    saved = Respondent.objects.filter(round=found).order_by("label")
    assert [(r.label, r.group, r.source) for r in saved] == [
        ("P1", "staff", "paper"),
        ("P2", "member", "paper"),
    ]
    assert all(r.submitted_at is not None for r in saved)


def test_bad_rows_are_listed_and_there_is_no_save_button(world: Any) -> None:
    found = round_for(world)
    text = _rows(found, [("P1", "staff", "9"), ("P2", "nobody", "2")])
    response = world.client("manager").post(
        reverse("audit:csv_upload", args=[found.pk]), {"file": _file(text)}
    )
    page = response.content.decode()
    assert "Nothing can be saved yet" in page
    assert "Row 2: answer 9 is off the scale" in page
    assert "Row 3: group must be staff or member" in page
    assert "Save " not in page


def test_a_label_already_in_the_round_is_named_before_saving(world: Any) -> None:
    found = round_for(world)
    client = world.client("manager")
    url = reverse("audit:csv_upload", args=[found.pk])
    text = _rows(found, [("P1", "staff", "4")])
    assert client.post(url, {"text": text}).status_code == 302
    page = client.post(url, {"file": _file(text)}).content.decode()
    assert "already in the round: P1" in page
    # Sending the same file straight to the confirm step is refused at the top of the page.
    again = client.post(url, {"text": text})
    assert again.status_code == 400
    assert "already in this round; nothing saved" in again.content.decode()
    assert Respondent.objects.filter(round=found).count() == 1


def test_a_file_that_is_not_utf8_or_too_big_is_refused_on_the_field(world: Any) -> None:
    found = round_for(world)
    client = world.client("manager")
    url = reverse("audit:csv_upload", args=[found.pk])
    latin = client.post(
        url, {"file": _file("respondent,group,item,answer\nJos\xe9".encode("latin-1"))}
    )
    assert latin.status_code == 400
    assert "not UTF-8 text" in latin.content.decode()
    big = client.post(url, {"file": _file(b"x" * (CSV_LIMIT + 1))})
    assert big.status_code == 400
    assert "larger than 1 MB" in big.content.decode()


def test_members_and_staff_cannot_upload(world: Any) -> None:
    found = round_for(world)
    url = reverse("audit:csv_upload", args=[found.pk])
    for role in ("member", "staff"):
        response = world.client(role).post(url, {"text": _rows(found, [("P1", "staff", "4")])})
        assert response.status_code == 403
    assert not Respondent.objects.filter(round=found).exists()
