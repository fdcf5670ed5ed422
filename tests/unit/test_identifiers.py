import pickle
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exec_center.domain.identifiers import (
    ID_TYPES_BY_KIND,
    IdType,
    InvalidIdentifier,
    PartyKind,
    validate_identifier,
    validate_mobile_phone,
    validate_party_identifier,
    validate_resident_id,
    validate_uscc,
)

TODAY = date(2024, 6, 1)
RID = "445322198001011236"
USCC = "91445322MA4ABCDE15"

# Test oracles, written from the standards independently of the module under test and
# anchored by the published examples below.
_RID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_USCC_CS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def rid_with_check(first17: str) -> str:
    return (
        first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _RID_W, strict=True)) % 11]
    )


def uscc_with_check(first17: str) -> str:
    total = sum(_USCC_CS.index(c) * w for c, w in zip(first17, _USCC_W, strict=True))
    return first17 + _USCC_CS[(31 - total % 31) % 31]


def test_oracles_match_published_examples():
    assert rid_with_check("11010519491231002") == "11010519491231002X"  # GB 11643 example
    assert uscc_with_check("91440300192203821") == "914403001922038216"
    assert uscc_with_check("9144030071526726X") == "9144030071526726XG"


# --- resident ID -------------------------------------------------------------------------


def test_required_resident_id_validates():
    assert validate_resident_id(RID) == RID
    assert validate_resident_id(RID, today=TODAY) == RID


def test_resident_id_with_x_check_char_lowercase_is_uppercased():
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


def test_resident_id_whitespace_and_fullwidth_are_normalised():
    assert validate_resident_id(f"  {RID}\n") == RID
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in RID)
    assert validate_resident_id(fullwidth) == RID


def test_wrong_check_digit_names_expected_without_echoing_number():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id("445322198001011237")
    assert exc.value.reason == "check_digit"
    msg = str(exc.value)
    assert "居民身份证号码校验位错误" in exc.value.zh
    assert "expected 6" in msg
    assert "445322198001011237" not in msg
    assert "44532219800101123" not in msg
    assert "19800101" not in msg


@pytest.mark.parametrize(
    "value",
    ["44532219800101123", "4453221980010112361", "445322800101123", ""],
)
def test_resident_id_wrong_length(value):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id(value)
    assert exc.value.reason in {"length", "empty"}
    assert "18" in str(exc.value) or exc.value.reason == "empty"


@pytest.mark.parametrize(
    "value",
    ["44532219800101123A", "4453221980X1011236", "44532219800101 236", "٤45322198001011236"],
)
def test_resident_id_bad_characters(value):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id(value)
    assert exc.value.reason == "charset"


@pytest.mark.parametrize(
    "birth",
    [
        "19000229",  # 1900 was not a leap year
        "19801301",
        "19800230",
        "19800100",
        "18991231",  # before 1900-01-01
        "20240602",  # after "today"
        "30000101",
    ],
)
def test_resident_id_bad_birth_date(birth):
    value = rid_with_check(f"445322{birth}123")
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id(value, today=TODAY)
    assert exc.value.reason == "birth_date"
    assert "1900-01-01" in str(exc.value)
    assert birth not in str(exc.value)


def test_resident_id_standard_example_born_1880_is_rejected():
    # GB 11643's own example 440524188001010014 is arithmetically valid but pre-1900.
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id("440524188001010014")
    assert exc.value.reason == "birth_date"


@pytest.mark.parametrize("birth", ["19000101", "20000229", "20240601"])
def test_resident_id_birth_date_boundaries_accepted(birth):
    value = rid_with_check(f"445322{birth}123")
    assert validate_resident_id(value, today=TODAY) == value


def test_resident_id_not_a_string():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_resident_id(None)  # type: ignore[arg-type]
    assert exc.value.reason == "type"


def test_invalid_identifier_is_value_error_and_pickles():
    err = InvalidIdentifier("check_digit", "msg", "中文")
    assert isinstance(err, ValueError)
    back = pickle.loads(pickle.dumps(err))
    assert (back.reason, str(back), back.zh) == ("check_digit", "msg", "中文")


_rid_first17 = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq}",
    st.text("0123456789", min_size=6, max_size=6),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.text("0123456789", min_size=3, max_size=3),
)


@given(_rid_first17)
def test_property_every_well_formed_resident_id_validates(first17):
    value = rid_with_check(first17)
    assert validate_resident_id(value, today=TODAY) == value
    assert validate_resident_id(value.lower(), today=TODAY) == value


@given(_rid_first17, st.integers(0, 16), st.integers(1, 9))
def test_property_any_single_digit_change_is_rejected(first17, pos, delta):
    value = rid_with_check(first17)
    changed = value[:pos] + str((int(value[pos]) + delta) % 10) + value[pos + 1 :]
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(changed, today=TODAY)


@given(_rid_first17, st.integers(0, 15))
def test_property_adjacent_transposition_is_rejected(first17, pos):
    value = rid_with_check(first17)
    if value[pos] == value[pos + 1]:
        return
    swapped = value[:pos] + value[pos + 1] + value[pos] + value[pos + 2 :]
    with pytest.raises(InvalidIdentifier):
        validate_resident_id(swapped, today=TODAY)


# --- USCC ----------------------------------------------------------------------------------


def test_required_uscc_validates_and_lowercase_is_uppercased():
    assert validate_uscc(USCC) == USCC
    assert validate_uscc(USCC.lower()) == USCC
    assert validate_uscc(f" {USCC} ") == USCC


@pytest.mark.parametrize(
    "value", ["914403001922038216", "9144030071526726XG", "91350100M000100Y43"]
)
def test_published_usccs_validate(value):
    assert validate_uscc(value) == value


def test_uscc_wrong_check_char_names_expected():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc("91445322MA4ABCDE16")
    assert exc.value.reason == "check_digit"
    assert "expected 5" in str(exc.value)
    assert "统一社会信用代码校验位错误" in exc.value.zh


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_rejects_excluded_letters(letter):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc(USCC[:10] + letter + USCC[11:])
    assert exc.value.reason == "charset"
    assert "I、O、Z、S、V" in exc.value.zh


def test_uscc_wrong_length():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc(USCC[:-1])
    assert exc.value.reason == "length"


def test_uscc_division_code_must_be_digits():
    value = uscc_with_check("9144A322MA4ABCDE1")
    with pytest.raises(InvalidIdentifier) as exc:
        validate_uscc(value)
    assert exc.value.reason == "division_code"


_uscc_first17 = st.builds(
    lambda head, division, org: head + division + org,
    st.text(_USCC_CS, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(_USCC_CS, min_size=9, max_size=9),
)


@given(_uscc_first17)
def test_property_every_well_formed_uscc_validates(first17):
    value = uscc_with_check(first17)
    assert validate_uscc(value) == value
    assert validate_uscc(value.lower()) == value


@given(_uscc_first17, st.integers(0, 17), st.integers(1, 30))
def test_property_any_single_char_change_in_uscc_is_rejected(first17, pos, delta):
    value = uscc_with_check(first17)
    new_char = _USCC_CS[(_USCC_CS.index(value[pos]) + delta) % 31]
    with pytest.raises(InvalidIdentifier):
        validate_uscc(value[:pos] + new_char + value[pos + 1 :])


# --- party identifiers ----------------------------------------------------------------------


def test_party_kind_labels():
    assert PartyKind.PERSON.label == "自然人"
    assert PartyKind.ORGANISATION.label == "法人或其他组织"
    assert PartyKind("PERSON") is PartyKind.PERSON


def test_validate_party_identifier_dispatches():
    assert validate_party_identifier(PartyKind.PERSON, RID) == RID
    assert validate_party_identifier(PartyKind.ORGANISATION, USCC.lower()) == USCC
    with pytest.raises(InvalidIdentifier):
        validate_party_identifier(PartyKind.PERSON, USCC)
    with pytest.raises(InvalidIdentifier):
        validate_party_identifier(PartyKind.ORGANISATION, RID)


def test_validate_party_identifier_passes_today():
    value = rid_with_check("44532220240602123")
    assert validate_party_identifier(PartyKind.PERSON, value, today=date(2024, 6, 2)) == value
    with pytest.raises(InvalidIdentifier):
        validate_party_identifier(PartyKind.PERSON, value, today=TODAY)


# --- phones ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13800138000", "13800138000"),
        ("199 0000 1111", "19900001111"),
        ("138-0013-8000", "13800138000"),
        ("0766-1234567", "07661234567"),
        ("07661234567", "07661234567"),
        ("010-12345678", "01012345678"),
        ("0766 12345678", "076612345678"),
        (" 020－87654321 ", "02087654321"),
        ("076-61234567", "07661234567"),  # a 3-digit area code is allowed by the rule
    ],
)
def test_valid_phones_return_digits_only(value, expected):
    assert validate_mobile_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "12800138000",  # second digit must be 3-9
        "1380013800",  # too short
        "138001380001",  # too long
        "+8613800138000",
        "0766-123456",  # local number too short (not re-read as 076 + 6123456)
        "0766-12-34",
        "07-661234567",  # area code too short
        "0766-123456789",  # local number too long
        "00861234567",  # 00 is the international prefix, not an area code
        "1234567",  # no area code
        "0766-1234567-801",  # extension
        "abc",
    ],
)
def test_invalid_phones_rejected_with_allowed_forms(value):
    with pytest.raises(InvalidIdentifier) as exc:
        validate_mobile_phone(value)
    assert exc.value.reason == "format"
    msg = str(exc.value)
    assert "0766-1234567" in msg and "11" in msg


def test_phone_error_does_not_echo_number():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_mobile_phone("12800138000")
    assert "12800138000" not in str(exc.value)
    assert "00138000" not in str(exc.value)


def test_empty_phone():
    with pytest.raises(InvalidIdentifier) as exc:
        validate_mobile_phone("  ")
    assert exc.value.reason == "empty"


# --- identity documents by type (issue 11, item 9) ------------------------------------------

_ORG_W = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code_with_check(body: str) -> str:
    """GB 11714-1997: C9 = 11 - (sum of value x weight mod 11); 10 -> X, 11 -> 0; A = 10 ... Z = 35."""
    c = 11 - sum(int(ch, 36) * w for ch, w in zip(body, _ORG_W, strict=True)) % 11
    return f"{body}-{'X' if c == 10 else '0' if c == 11 else c}"


def test_org_code_oracle_matches_the_standards_example():
    assert org_code_with_check("D2143569") == "D2143569-X"  # GB 11714-1997 example


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permits_of_hk_macao_taiwan_residents_pass_with_their_check_digit(prefix):
    number = rid_with_check(prefix + "19850312002")
    assert validate_identifier(IdType.RESIDENT_ID, number, PartyKind.PERSON, TODAY) == (IdType.RESIDENT_ID, number)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(InvalidIdentifier) as caught:
        validate_identifier(IdType.RESIDENT_ID, wrong, PartyKind.PERSON, TODAY)
    assert caught.value.reason == "check_digit"


GOOD = [
    (IdType.HK_MACAO_PERMIT, "h12345678", "H12345678"),
    (IdType.HK_MACAO_PERMIT, "M1234567801", "M1234567801"),
    (IdType.TAIWAN_PERMIT, "01234567", "01234567"),
    (IdType.TAIWAN_PERMIT, "0123456701", "0123456701"),
    (IdType.PASSPORT, " e12345678 ", "E12345678"),
    (IdType.PASSPORT, "K1234", "K1234"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "usa440080010112", "USA440080010112"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "944840198001010011", "944840198001010011"),
]


@pytest.mark.parametrize(("id_type", "value", "normalised"), GOOD)
def test_documents_of_persons(id_type, value, normalised):
    assert validate_identifier(id_type, value, PartyKind.PERSON, TODAY) == (id_type, normalised)


BAD = [
    (IdType.HK_MACAO_PERMIT, "HK1234567", "format"),
    (IdType.HK_MACAO_PERMIT, "H7654321", "format"),
    (IdType.TAIWAN_PERMIT, "012345678", "format"),
    (IdType.PASSPORT, "E123", "format"),
    (IdType.PASSPORT, "E1234567890123456X", "format"),
    (IdType.PASSPORT, "E-1234567", "format"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "US4400800101123", "format"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "944840198001010012", "check_digit"),
    (IdType.FOREIGN_PERMANENT_RESIDENCE, "944840198013010011", "birth_date"),
    (IdType.PASSPORT, "  ", "empty"),
    (IdType.PASSPORT, None, "empty"),
]


@pytest.mark.parametrize(("id_type", "value", "reason"), BAD)
def test_malformed_documents(id_type, value, reason):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_identifier(id_type, value, PartyKind.PERSON, TODAY)
    assert caught.value.reason == reason
    if value and value.strip():
        assert value.strip() not in caught.value.message  # never echoes personal data


def test_organisation_codes_and_registration_numbers():
    org = PartyKind.ORGANISATION
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, "d2143569x", org)[1] == "D2143569-X"
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, "D2143569-X", org)[1] == "D2143569-X"
    with pytest.raises(InvalidIdentifier) as caught:
        validate_identifier(IdType.OTHER_ORGANISATION_CODE, "D2143569-1", org)
    assert caught.value.reason == "check_digit"
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, "HRB 123456", org)[1] == "HRB123456"
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, "C-12345", org)[1] == "C-12345"
    with pytest.raises(InvalidIdentifier):
        validate_identifier(IdType.OTHER_ORGANISATION_CODE, "某村民小组", org)
    with pytest.raises(InvalidIdentifier):
        validate_identifier(IdType.OTHER_ORGANISATION_CODE, "A" * 41, org)


def test_which_documents_which_kind_of_party_may_use():
    for kind, allowed in ID_TYPES_BY_KIND.items():
        for id_type in IdType:
            if id_type not in allowed:
                with pytest.raises(InvalidIdentifier) as caught:
                    validate_identifier(id_type, "X", kind, TODAY)
                assert caught.value.reason == "id_type"
    assert IdType.USCC not in ID_TYPES_BY_KIND[PartyKind.PERSON]
    assert IdType.PASSPORT not in ID_TYPES_BY_KIND[PartyKind.ORGANISATION]
    assert IdType.UNKNOWN in ID_TYPES_BY_KIND[PartyKind.PERSON] & ID_TYPES_BY_KIND[PartyKind.ORGANISATION]


def test_unknown_takes_no_number_and_the_default_is_by_kind():
    assert validate_identifier(IdType.UNKNOWN, None, PartyKind.PERSON) == (IdType.UNKNOWN, None)
    assert validate_identifier(IdType.UNKNOWN, " ", PartyKind.ORGANISATION) == (IdType.UNKNOWN, None)
    with pytest.raises(InvalidIdentifier) as caught:
        validate_identifier(IdType.UNKNOWN, RID, PartyKind.PERSON)
    assert caught.value.reason == "unknown" and RID not in caught.value.message
    assert validate_identifier(None, RID, PartyKind.PERSON, TODAY) == (IdType.RESIDENT_ID, RID)
    assert validate_identifier(None, USCC, PartyKind.ORGANISATION) == (IdType.USCC, USCC)


@given(st.from_regex(r"9[0-9]{2}[0-9]{3}19[0-9]{2}0[1-9]1[0-9][0-9]{3}", fullmatch=True))
def test_property_new_permanent_residence_card_accepts_exactly_its_check_digit(first17):
    good = rid_with_check(first17)
    assert validate_identifier(IdType.FOREIGN_PERMANENT_RESIDENCE, good, PartyKind.PERSON, TODAY)[1] == good
    for wrong in "0123456789X":
        if wrong != good[17]:
            with pytest.raises(InvalidIdentifier):
                validate_identifier(IdType.FOREIGN_PERMANENT_RESIDENCE, first17 + wrong, PartyKind.PERSON, TODAY)


@given(st.from_regex(r"[0-9A-Z]{8}", fullmatch=True))
def test_property_organisation_code_accepts_exactly_its_check_character(body):
    good = org_code_with_check(body)
    org = PartyKind.ORGANISATION
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, good, org)[1] == good
    assert validate_identifier(IdType.OTHER_ORGANISATION_CODE, good.replace("-", ""), org)[1] == good
    for wrong in "0123456789X":
        if wrong != good[-1]:
            with pytest.raises(InvalidIdentifier):
                validate_identifier(IdType.OTHER_ORGANISATION_CODE, f"{body}-{wrong}", org)


def test_party_identity_falls_back_to_the_name_when_the_number_is_unknown():
    from exec_center.domain.intake import party_identity

    assert party_identity("李某某", None, IdType.UNKNOWN) == party_identity("李 某某", "", None) == "name:李某某"
    assert party_identity("李某", RID, "RESIDENT_ID") == party_identity("李某", RID) == f"id:{RID}"
    # A passport and a permit of the same characters are different documents.
    assert party_identity("A", "E12345678", IdType.PASSPORT) != party_identity("A", "E12345678", "HK_MACAO_PERMIT")
