"""Masking of personal data for roles that must not see it in full.

Every function accepts ``None`` (returns ``None``), never raises on odd input and keeps the
length of the value, so masked values still line up in tables. A value too short for the
usual rule is masked completely rather than partly revealed. Values are masked character
by character as given; pass normalised values (e.g. the output of the validators).
"""

from __future__ import annotations

from exec_center.domain.identifiers import IdType, PartyKind

__all__ = ["mask_account", "mask_id_number", "mask_identity", "mask_party_identifier", "mask_phone"]

MASK_CHAR = "*"

# Resident ID: keep the 6-digit region code and the last 4, hiding the birth date and
# sequence. Shorter values (e.g. legacy 15-digit IDs, typos) are hidden entirely.
_ID_HEAD, _ID_TAIL, _ID_MIN_LEN = 6, 4, 18
# Phone: keep the first 3 (carrier prefix / area code) and the last 4.
_PHONE_HEAD, _PHONE_TAIL, _PHONE_MIN_LEN = 3, 4, 8
# Account: keep only the last 4 (what people use to tell their accounts apart). Real bank
# accounts have 10+ digits; below that, the visible tail would give away too much.
_ACCOUNT_TAIL, _ACCOUNT_MIN_LEN = 4, 10


def _keep_ends(value: str, head: int, tail: int, min_len: int) -> str:
    if len(value) < min_len:
        return MASK_CHAR * len(value)
    return value[:head] + MASK_CHAR * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_number(value: str | None) -> str | None:
    """``445322198001011236`` -> ``445322********1236``; fewer than 18 chars: all ``*``."""
    if value is None:
        return None
    return _keep_ends(value, _ID_HEAD, _ID_TAIL, _ID_MIN_LEN)


def mask_phone(value: str | None) -> str | None:
    """``13800138000`` -> ``138****8000``: first 3 and last 4 kept when 8+ chars, else all ``*``."""
    if value is None:
        return None
    return _keep_ends(value, _PHONE_HEAD, _PHONE_TAIL, _PHONE_MIN_LEN)


def mask_account(value: str | None) -> str | None:
    """``6222021234567890123`` -> ``***************0123``: all but the last 4 become ``*``.

    Same length as the input; fewer than 10 chars: all ``*``.
    """
    if value is None:
        return None
    return _keep_ends(value, 0, _ACCOUNT_TAIL, _ACCOUNT_MIN_LEN)


# Organisations' codes are public (national enterprise credit publicity system, the
# organisation-code and company registers): hiding them protects nothing and hinders the work.
_PUBLIC_ID_TYPES = frozenset({IdType.USCC, IdType.OTHER_ORGANISATION_CODE})


def mask_identity(id_type: IdType | str | None, value: str | None) -> str | None:
    """A person's identity document number masked by its type.

    RESIDENT_ID (or no type): as ``mask_id_number``; permits, passports and permanent
    residence cards keep their first and last characters (``H12345678`` -> ``H*******8``;
    3 characters or fewer: all ``*``); UNKNOWN: ``""``; organisation codes: unchanged.
    """
    if value is None:
        return None
    if id_type in (None, IdType.RESIDENT_ID):
        return mask_id_number(value)
    if id_type == IdType.UNKNOWN:
        return ""
    if id_type in _PUBLIC_ID_TYPES:
        return value
    return _keep_ends(value, 1, 1, 4)


def mask_party_identifier(
    kind: PartyKind, value: str | None, id_type: IdType | str | None = None
) -> str | None:
    """Mask a person's identity document number (``mask_identity``); return an organisation's
    code unchanged. Without ``id_type`` a person's number is taken as a resident ID."""
    if value is None:
        return None
    if id_type == IdType.UNKNOWN:
        return ""
    if kind is PartyKind.ORGANISATION:
        return value
    # Anything not known to be an organisation is treated as personal data.
    return mask_identity(id_type if id_type not in _PUBLIC_ID_TYPES else None, value)
