"""Who is in which audience: the audiences file, read again when it changes; deny by default."""

from __future__ import annotations

import os

import pytest

from config.audiences import STAFF, AudienceDirectory, may_read, readers, split_names
from config.errors import GuideError


def test_without_a_file_managers_read_as_managers_and_nobody_else_beyond_all_staff(tmp_path):
    directory = AudienceDirectory(tmp_path / "audiences.yaml")
    assert directory.for_role("manager") == {"all-staff", "managers"}
    assert directory.for_role("trainer") == STAFF and directory.for_role(None) == STAFF
    assert directory.for_person("slack", "U1") == STAFF
    assert directory.for_person("teams", None) == STAFF


def test_members_by_id_and_group_on_each_surface_and_a_change_applies(tmp_path):
    path = tmp_path / "audiences.yaml"
    path.write_text("Probation:\n  slack: [U0PROB, S0PROB]\n  teams: [group-guid-1]\n"
                    "managers:\n  roles: [manager]\n  teams: [object-id-7]\n")
    directory = AudienceDirectory(path)
    assert directory.for_person("slack", "U0PROB") == {"all-staff", "probation"}
    assert directory.for_person("slack", "U9", groups=["S0PROB"]) == {"all-staff", "probation"}
    # Teams: the person's Entra object id and the ids of their groups
    assert directory.for_person("teams", "object-id-7", ["group-guid-1"]) == {
        "all-staff", "probation", "managers"}
    assert directory.for_person("teams", "someone-else", ["other-group"]) == STAFF
    assert directory.groups("slack") == {"U0PROB", "S0PROB"}

    path.write_text("probation:\n  slack: [U0OTHER]\n")
    os.utime(path, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert directory.for_person("slack", "U0PROB") == STAFF
    assert directory.for_role("manager") == STAFF  # the file now says nothing of roles


@pytest.mark.parametrize("text", ["- just\n- a list\n", "managers:\n  slak: [U1]\n",
                                  "managers: [unclosed\n"])
def test_a_broken_file_is_a_clear_error_and_widens_nothing(tmp_path, text):
    path = tmp_path / "audiences.yaml"
    path.write_text(text)
    with pytest.raises(GuideError, match="audiences file"):
        AudienceDirectory(path).for_person("slack", "U1")


def test_names_are_read_as_ingest_writes_them():
    assert split_names(["Probation, managers", "youth justice"]) == [
        "probation", "managers", "youth-justice"]
    assert split_names(None) == [] and readers(None) == STAFF
    assert readers(["Managers"]) == {"all-staff", "managers"}
    assert readers("probation") == {"all-staff", "probation"}
    assert may_read(None, STAFF) and may_read(["all-staff", "managers"], STAFF)
    assert not may_read(["managers"], STAFF) and may_read(["managers"], {"managers"})
