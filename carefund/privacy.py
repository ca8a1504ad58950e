"""Masking personal data, in one place: ID numbers, phones and, on public lists, names.

What stays visible says nothing about the person: an ID number keeps the first three
digits of its region code (province and city) and its last four (as DESIGN.md shows,
`370***********1234`) — the birth date and the county are hidden; a mobile keeps its
network prefix and last four (`138****5678`); a landline keeps its area code and last
two (`010*****67`), so at least half of every number is hidden.
"""

ID_NUMBER_SHOWN_HEAD = 3
ID_NUMBER_SHOWN_TAIL = 4
MOBILE_SHOWN_HEAD = 3
MOBILE_SHOWN_TAIL = 4
LANDLINE_SHOWN_TAIL = 2


def _masked(text: str, *, head: int, tail: int) -> str:
    """`text` with all but `head` leading and `tail` trailing characters starred; a text too
    short for that is starred but for its last character."""
    if len(text) <= head + tail:
        return "*" * (len(text) - 1) + text[-1:]
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_id_number(id_number: str | None) -> str | None:
    """370602198001011234 → 370***********1234."""
    if not id_number:
        return None
    return _masked(id_number, head=ID_NUMBER_SHOWN_HEAD, tail=ID_NUMBER_SHOWN_TAIL)


def _area_code_length(digits: str) -> int:
    # Beijing (010) and the big cities (020–029) have three-digit area codes; others four.
    return 3 if digits[1:2] in ("1", "2") else 4


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; 0101234567 → 010*****67; 0531-88123456 → 0531-******56."""
    if not phone:
        return None
    digits = phone.replace("-", "")
    if not digits.startswith("0"):
        return _masked(digits, head=MOBILE_SHOWN_HEAD, tail=MOBILE_SHOWN_TAIL)
    area = _area_code_length(digits)
    separator = "-" if "-" in phone else ""
    number = _masked(digits[area:], head=0, tail=LANDLINE_SHOWN_TAIL)
    return digits[:area] + separator + number


ADDRESS_SHOWN_HEAD = 6
"""An address keeps its first characters (province, city, district), which name a place
thousands share, and hides the street and number."""


def mask_address(address: str | None) -> str | None:
    """济南市历下区泉城路 1 号 → 济南市历下区****: for the copies that outlive the encrypted
    row (the events feed, the audit log)."""
    if not address:
        return address
    return address[:ADDRESS_SHOWN_HEAD] + "****"


def mask_name(name: str) -> str:
    """For public lists: 王小明 → 王*明, 欧阳小华 → 欧阳*华, 李明 → 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    # Four-character names are almost always a two-character surname (欧阳, 司马).
    head = 2 if len(name) >= 4 else 1
    return name[:head] + "*" * (len(name) - head - 1) + name[-1]


ACCOUNT_NO_SHOWN_HEAD = 4
ACCOUNT_NO_SHOWN_TAIL = 4
"""A card keeps its bank's prefix and its last four (6228 **** **** 1234, as banks print
it); a short passbook number keeps only its last four."""


def mask_account_no(account_no: str | None) -> str | None:
    """6228480402564890018 → 6228***********0018; 12345678 → *******8."""
    if not account_no:
        return None
    head = ACCOUNT_NO_SHOWN_HEAD if len(account_no) >= 12 else 0
    return _masked(account_no, head=head, tail=ACCOUNT_NO_SHOWN_TAIL)
