"""Who may do what: admins everything; event staff events and broadcasts; a working group's members
export only their own field."""

from __future__ import annotations

from collections.abc import Mapping


def may_export(roles: Mapping[int, str], user_id: int, field_id: str) -> bool:
    role = roles.get(user_id)
    return role == "admin" or (role is not None and role == field_id)


def exportable_fields(roles: Mapping[int, str], user_id: int, fields: tuple[str, ...]) -> tuple[str, ...]:
    role = roles.get(user_id)
    if role == "admin":
        return fields
    return tuple(f for f in fields if f == role)


def may_manage_events(roles: Mapping[int, str], user_id: int) -> bool:
    return roles.get(user_id) in ("admin", "events")
