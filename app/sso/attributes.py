"""Map IdP attributes to email and names, accepting the common aliases IdPs send."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "mail", "emailaddress", "0.9.2342.19200300.100.1.3", "user.email"),
    "first_name": ("givenname", "first_name", "firstname", "2.5.4.42", "user.firstname"),
    "last_name": ("sn", "surname", "last_name", "lastname", "2.5.4.4", "user.lastname"),
}


@dataclass(frozen=True)
class Profile:
    email: str
    first_name: str
    last_name: str


def _short(name: str) -> str:
    """'http://schemas.../claims/emailaddress' or 'urn:mace:dir:attribute-def:mail' -> tail."""
    return name.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].lower()


def _first(attributes: dict[str, list[str]], field: str, mapping: dict[str, Any]) -> str:
    custom = mapping.get(field)
    if custom and attributes.get(custom):
        return str(attributes[custom][0]).strip()
    for name, values in attributes.items():
        if values and (_short(name) in ALIASES[field] or name.lower() in ALIASES[field]):
            return str(values[0]).strip()
    return ""


def extract_profile(
    attributes: dict[str, list[str]], name_id: str, mapping: dict[str, Any]
) -> Profile:
    """Email from the mapped/aliased attribute, else an email-shaped NameID."""
    email = _first(attributes, "email", mapping) or (name_id if "@" in name_id else "")
    return Profile(
        email=email.strip().lower(),
        first_name=_first(attributes, "first_name", mapping)[:150],
        last_name=_first(attributes, "last_name", mapping)[:150],
    )
