"""Masking personal data: ID numbers, phones and, on public lists, names."""


def mask_id_number(id_number: str | None) -> str | None:
    """370602198001011234 → 370602********1234: region kept, birth date hidden."""
    if not id_number:
        return None
    if len(id_number) <= 10:
        return "*" * (len(id_number) - 4) + id_number[-4:] if len(id_number) > 4 else "****"
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678."""
    if not phone:
        return None
    if len(phone) < 8:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """For public lists: 王小明 → 王*明, 欧阳小华 → 欧阳*华, 李明 → 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    # Four-character names are almost always a two-character surname (欧阳, 司马).
    head = 2 if len(name) >= 4 else 1
    return name[:head] + "*" * (len(name) - head - 1) + name[-1]
