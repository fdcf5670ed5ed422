import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.identifiers import IdType, PartyKind
from exec_center.domain.masking import (
    mask_account,
    mask_id_number,
    mask_identity,
    mask_party_identifier,
    mask_phone,
)

RID = "445322198001011236"
USCC = "91445322MA4ABCDE15"

ALL_MASKERS = [mask_id_number, mask_phone, mask_account]


def test_exact_examples():
    assert mask_id_number(RID) == "445322********1236"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_account("6222021234567890123") == "***************0123"


def test_landline_keeps_first_three_and_last_four():
    assert mask_phone("07661234567") == "076****4567"
    assert mask_phone("076612345678") == "076*****5678"
    assert mask_phone("12345678") == "123*5678"


@pytest.mark.parametrize("mask", ALL_MASKERS)
def test_none_passes_through(mask):
    assert mask(None) is None


@pytest.mark.parametrize("mask", ALL_MASKERS)
@pytest.mark.parametrize("value", ["", "1", "12", "123", "1234", "1234567"])
def test_short_values_are_masked_completely(mask, value):
    assert mask(value) == "*" * len(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("44532219800101123", "*" * 17),  # one short: nothing revealed
        ("445322800101123", "*" * 15),  # legacy 15-digit ID
        ("4453221980010112361", "445322*********2361"),  # one long: still 6 + 4
        ("11010519491231002X", "110105********002X"),
    ],
)
def test_id_number_odd_lengths(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("123456789", "*********"),  # too short to be an account
        ("1234567890", "******7890"),
        ("6222 0212", "*********"),
    ],
)
def test_account_odd_lengths(value, expected):
    assert mask_account(value) == expected


def test_party_identifier_person_masked_organisation_public():
    assert mask_party_identifier(PartyKind.PERSON, RID) == "445322********1236"
    assert mask_party_identifier(PartyKind.ORGANISATION, USCC) == USCC
    assert mask_party_identifier(PartyKind.PERSON, None) is None
    assert mask_party_identifier(PartyKind.ORGANISATION, None) is None


def test_party_identifier_unknown_kind_fails_safe():
    assert mask_party_identifier(None, RID) == "445322********1236"  # type: ignore[arg-type]


# --- properties ----------------------------------------------------------------------------

digits = st.text("0123456789X", max_size=40)


@given(digits)
def test_property_id_keeps_length_and_hides_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) >= 18:
        hidden = value[6:-4]
        assert masked == value[:6] + "*" * len(hidden) + value[-4:]
        assert hidden not in masked
    else:
        assert set(masked) <= {"*"}


@given(st.text("0123456789", min_size=18, max_size=18))
def test_property_resident_id_birth_date_and_sequence_never_visible(value):
    assert value[6:14] not in mask_id_number(value)
    assert value[6:14] + value[14:17] not in mask_id_number(value)


@given(digits)
def test_property_account_keeps_length_and_hides_all_but_last_four(value):
    masked = mask_account(value)
    assert len(masked) == len(value)
    if len(value) >= 10:
        hidden = value[:-4]
        assert masked == "*" * len(hidden) + value[-4:]
        assert hidden not in masked
    else:
        assert set(masked) <= {"*"}


@given(st.text(max_size=30))
def test_property_phone_keeps_length_and_never_raises(value):
    masked = mask_phone(value)
    assert len(masked) == len(value)
    if len(value) >= 8:
        assert masked[3:-4] == "*" * (len(value) - 7)


@given(st.text(max_size=40))
def test_property_any_text_never_raises(value):
    for mask in ALL_MASKERS:
        assert len(mask(value)) == len(value)
    assert mask_party_identifier(PartyKind.ORGANISATION, value) == value


# --- identity documents other than the resident ID (issue 11, item 9) ---------------------


def test_documents_by_type_keep_first_and_last_characters():
    assert mask_identity(IdType.HK_MACAO_PERMIT, "H12345678") == "H*******8"
    assert mask_identity(IdType.TAIWAN_PERMIT, "01234567") == "0******7"
    assert mask_identity(IdType.PASSPORT, "543210987") == "5*******7"
    assert mask_identity(IdType.FOREIGN_PERMANENT_RESIDENCE, "DEU440080010112") == "D*************2"
    assert mask_identity("RESIDENT_ID", RID) == "445322********1236"  # stored as text
    assert mask_identity(IdType.PASSPORT, "ABC") == "***"  # too short to show anything
    assert mask_identity(IdType.UNKNOWN, "anything") == ""
    assert mask_identity(IdType.PASSPORT, None) is None


def test_party_identifier_by_type():
    assert mask_party_identifier(PartyKind.PERSON, "H12345678", IdType.HK_MACAO_PERMIT) == "H*******8"
    assert mask_party_identifier(PartyKind.PERSON, "H12345678") == "*********"  # taken as a resident ID
    assert mask_party_identifier(PartyKind.ORGANISATION, "D2143569-X", "OTHER_ORGANISATION_CODE") == "D2143569-X"
    assert mask_party_identifier(PartyKind.PERSON, "x", IdType.UNKNOWN) == ""


@given(st.sampled_from([IdType.HK_MACAO_PERMIT, IdType.TAIWAN_PERMIT, IdType.PASSPORT,
                        IdType.FOREIGN_PERMANENT_RESIDENCE]), st.text(max_size=40))
def test_property_documents_keep_length_and_hide_the_middle(id_type, value):
    masked = mask_identity(id_type, value)
    assert len(masked) == len(value)
    if len(value) >= 4:
        assert masked == value[0] + "*" * (len(value) - 2) + value[-1]
    else:
        assert set(masked) <= {"*"}
