"""Safe first look at untrusted SAML XML: no DTDs, no entities, no network, bounded size."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from xml.etree.ElementTree import Element  # noqa: S405 - only the type; parsing is defusedxml

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from app.sso.errors import SSOLoginError

MAX_RESPONSE_BYTES = 256 * 1024
SAML_ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
ASSERTION_TAGS = (f"{{{SAML_ASSERTION_NS}}}Assertion", f"{{{SAML_ASSERTION_NS}}}EncryptedAssertion")


@dataclass(frozen=True)
class ResponsePeek:
    xml: bytes
    in_response_to: str | None
    assertion_count: int


def parse_xml(data: bytes) -> Element:
    """Parse refusing DTDs and entity declarations (billion laughs, XXE)."""
    try:
        root: Element = SafeET.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return root
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise SSOLoginError(
            "saml_malformed", f"unsafe or malformed XML: {type(exc).__name__}"
        ) from exc


def decode_response(encoded: str) -> bytes:
    if not encoded or len(encoded) > MAX_RESPONSE_BYTES * 4 // 3 + 4:
        raise SSOLoginError("saml_malformed", "missing or oversized SAMLResponse")
    try:
        return base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise SSOLoginError("saml_malformed", "SAMLResponse is not base64") from exc


def peek_response(encoded: str) -> ResponsePeek:
    """Decode and safely parse a SAMLResponse; count assertions anywhere in the document."""
    xml = decode_response(encoded)
    root = parse_xml(xml)
    count = sum(1 for el in root.iter() if el.tag in ASSERTION_TAGS)
    return ResponsePeek(xml=xml, in_response_to=root.get("InResponseTo"), assertion_count=count)
