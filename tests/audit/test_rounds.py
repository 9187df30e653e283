"""Round services: close, invite, links, paper CSV import."""

from __future__ import annotations

import hashlib

import pytest

from coproduce.audit.models import Respondent
from coproduce.audit.selectors.rounds import round_instrument
from coproduce.audit.services import rounds as services
from coproduce.errors import Conflict, InvalidInput
from tests.audit.factories import round_for

pytestmark = pytest.mark.django_db


def test_close_twice_is_a_conflict(world):
    opened = round_for(world)
    services.round_close(viewer=world.viewer("manager"), round_id=opened.pk)
    with pytest.raises(Conflict):
        services.round_close(viewer=world.viewer("manager"), round_id=opened.pk)


def test_invite_refuses_another_organisations_person(world):
    opened = round_for(world)
    with pytest.raises(InvalidInput):
        services.round_invite(
            viewer=world.viewer("manager"), round_id=opened.pk, person_ids=[world.outsider.pk]
        )
    assert not Respondent.objects.filter(round=opened).exists()


def test_links_store_only_the_hash(world):
    opened = round_for(world)
    made = services.round_links_create(
        viewer=world.viewer("manager"), round_id=opened.pk, group="member", count=2
    )
    for respondent, token in made:
        respondent.refresh_from_db()
        assert respondent.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in respondent.token_hash


def _csv(round_, rows):
    code = round_instrument(round_).items()[0].code
    return "respondent,group,item,answer\n" + "".join(
        f"{who},{group},{code},{value}\n" for who, group, value in rows
    )


def test_csv_bad_row_saves_nothing(world):
    opened = round_for(world)
    text = _csv(opened, [("p1", "staff", "1"), ("p2", "nobody", "1")])
    with pytest.raises(InvalidInput, match="row 3"):
        services.round_csv_import(viewer=world.viewer("manager"), round_id=opened.pk, text=text)
    assert not Respondent.objects.filter(round=opened).exists()


def test_csv_duplicate_label_is_a_conflict(world):
    opened = round_for(world)
    text = _csv(opened, [("p1", "staff", "1")])
    saved = services.round_csv_import(viewer=world.viewer("manager"), round_id=opened.pk, text=text)
    assert saved[0].submitted_at is not None
    with pytest.raises(Conflict, match="p1"):
        services.round_csv_import(viewer=world.viewer("manager"), round_id=opened.pk, text=text)
