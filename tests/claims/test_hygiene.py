"""claims/hygiene.py: what text may enter, refused with a field error or cleaned, and rows
stored before the clean-up made safe."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from claims.hygiene import (
    NULL_MESSAGE,
    SURROGATE_MESSAGE,
    clean_instance_text,
    clean_text,
    scrub_stored_rows,
    scrub_structure,
    scrub_text,
    strip_control_characters,
    structure_problems,
    text_problems,
)
from claims.models import Claim, Claimant
from tests.factories import ClaimantFactory, ClaimFactory

# Every C0 control but tab, newline and NUL, DEL, and the C1 controls but NEL.
REMOVED = [chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r\x0b\x0c"]
REMOVED += [chr(c) for c in range(0x7F, 0xA0) if c != 0x85] + ["\ufffe", "\uffff"]


@pytest.mark.parametrize("char", REMOVED, ids=[f"U+{ord(c):04X}" for c in REMOVED])
def test_control_characters_are_removed(char):
    assert clean_text(f"a{char}b") == "ab"


def test_tab_newline_and_ordinary_unicode_are_kept():
    text = "Line one\tcell\nLine two: 19% — “quoted” café 数字 🙂"
    assert clean_text(text) == text


@pytest.mark.parametrize("line_break", ["\r\n", "\r", "\x0b", "\x0c", "\x85"])
def test_other_line_breaks_become_newlines(line_break):
    assert clean_text(f"one{line_break}two") == "one\ntwo"


@pytest.mark.parametrize(
    ("text", "message"),
    [("a\x00b", NULL_MESSAGE), ("a\ud800b", SURROGATE_MESSAGE), ("\udfff", SURROGATE_MESSAGE)],
)
def test_nul_and_lone_surrogates_are_refused(text, message):
    with pytest.raises(ValidationError) as raised:
        clean_text(text)
    assert raised.value.messages == [message]
    assert text_problems(text) == [message]


def test_both_problems_are_named_at_once():
    assert text_problems("\x00\ud800") == [NULL_MESSAGE, SURROGATE_MESSAGE]


def test_scrub_never_raises_and_leaves_storable_text():
    assert scrub_text("a\x00b\ud800c\x1bd\r\ne") == "ab\ufffdcd\ne"


def test_strip_leaves_nul_and_surrogates_for_the_field_to_refuse():
    assert strip_control_characters("a\x00\x1b\ud800") == "a\x00\ud800"


def test_structure_problems_name_the_path():
    problems = structure_problems({"itemReviewed": {"author": [{"name": "A\x00"}]}, "ok": "b"})
    assert problems == [f"itemReviewed.author[0].name: {NULL_MESSAGE}"]
    assert structure_problems({"k\x00": "v"}) == [f"key: {NULL_MESSAGE} (in a key)"]


def test_scrub_structure_cleans_keys_values_and_nested_lists():
    assert scrub_structure({"a\x1b": ["b\x00", {"c": "d\x07"}], "n": 3}) == {
        "a": ["b", {"c": "d"}],
        "n": 3,
    }


@pytest.mark.django_db
def test_model_clean_removes_control_characters_from_every_text_field():
    claim = ClaimFactory.build(text="Crime\x1b doubled\r\n", venue="TV\x07", title="T\x0bx")
    errors = clean_instance_text(claim)
    assert errors == {}
    assert (claim.text, claim.venue, claim.title) == ("Crime doubled\n", "TV", "T\nx")


@pytest.mark.django_db
def test_full_clean_refuses_nul_and_surrogates_as_field_errors():
    claimant = ClaimantFactory.build(
        name="A\x00", description="b\ud800", same_as=["https://w.example/\x00"]
    )
    with pytest.raises(ValidationError) as raised:
        claimant.full_clean()
    errors = raised.value.message_dict
    assert NULL_MESSAGE in errors["name"]
    assert SURROGATE_MESSAGE in errors["description"]
    assert any(NULL_MESSAGE in message for message in errors["same_as"])


@pytest.mark.django_db
def test_rows_stored_before_the_clean_up_are_scrubbed():
    claim = ClaimFactory(text="clean")
    # Written behind the models' back, as rows from before the clean-up were.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Claim._meta.db_table} SET text = %s, venue = %s WHERE id = %s",
            ["Crime\x1b has\x0cdoubled", "TV\x07", claim.pk],
        )
    ClaimFactory(text="Fine text")
    assert scrub_stored_rows(Claim) == 1  # only the row that changes is written
    claim.refresh_from_db()
    assert (claim.text, claim.venue) == ("Crime has\ndoubled", "TV")
    assert scrub_stored_rows(Claim) == 0


@pytest.mark.django_db
def test_the_data_migrations_clean_claims_and_sources():
    claimant = ClaimantFactory()
    Claimant.objects.filter(pk=claimant.pk).update(name="Minister\x1b of state")
    for app, name in (("claims", "0012_clean_stored_text"), ("sources", "0007_clean_stored_text")):
        migration = importlib.import_module(f"{app}.migrations.{name}")
        migration.clean_stored_text(apps, connection.schema_editor())
    claimant.refresh_from_db()
    assert claimant.name == "Minister of state"


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_json_body_fast_path_agrees_with_the_walk_for_every_character(ensure_ascii):
    # Every code point of the first planes that matter, alone in a string, escaped or raw as
    # a client may send it: skipping the walk never keeps a character the walk would remove.
    import json

    from claims.hygiene import strip_json_body, strip_structure

    points = [*range(0, 0x3000), 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x1F642]
    for point in points:
        if 0xD800 <= point <= 0xDFFF:
            continue
        value = {"k": f"a{chr(point)}b", "list": [chr(point)]}
        body = json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8")
        assert strip_json_body(json.loads(body), body) == strip_structure(value), hex(point)
