"""A real SAML identity provider for the tests: pysaml2's IdP Server with its own key pair.

pysaml2 builds the responses (status, conditions, subject confirmation, attribute statement,
signature templates); signing runs in-process through python-xmlsec, the same libxmlsec1 our
SP verifies with, so no xmlsec1 binary is needed. A `mutate` hook lets a test change the
assertion *before* it is signed, producing validly signed but misdirected/expired assertions.
"""

from __future__ import annotations

import copy
import datetime
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pysaml2 imports a cipher mode cryptography deprecates
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.metadata import create_metadata_string
    from saml2.saml import NAME_FORMAT_URI as URI
    from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
    from saml2.server import Server
    from saml2.sigver import CryptoBackend

SHA256 = (
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmlenc#sha256",
)
SHA1 = ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1")
NS = {
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
REDIRECT = BINDING_HTTP_REDIRECT
EMAIL_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
Mutator = Callable[[etree._Element], None]


def make_keypair(common_name: str) -> tuple[str, str]:
    """A fresh RSA key and self-signed certificate (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


class XmlsecSigner(CryptoBackend):  # type: ignore[misc]
    """pysaml2 crypto backend signing with python-xmlsec; `mutate` runs just before signing."""

    def __init__(self) -> None:
        super().__init__()
        self.mutate: Mutator | None = None

    def sign_statement(self, statement: Any, node_name: str, key_file: str, node_id: str) -> str:
        raw = statement.encode() if isinstance(statement, str) else statement
        root = etree.fromstring(raw)
        if self.mutate is not None:
            self.mutate(root)
        node = root if root.get("ID") == node_id else root.xpath("//*[@ID=$i]", i=node_id)[0]
        sign_node(node, key_file)
        return etree.tostring(root).decode()


def sign_node(node: etree._Element, key_file: str) -> None:
    signature = node.find("ds:Signature", NS)
    ctx = xmlsec.SignatureContext()
    ctx.key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
    ctx.register_id(node, "ID")
    ctx.sign(signature)


@dataclass
class SamlIdP:
    """One identity provider: entity id, SSO URL, key pair, and a pysaml2 Server per SP."""

    entity_id: str
    key_pem: str
    cert_pem: str
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="idp-")))
    _servers: dict[str, Server] = field(default_factory=dict)

    @property
    def sso_url(self) -> str:
        return self.entity_id.rstrip("/") + "/sso"

    def _files(self, key_pem: str | None = None) -> tuple[str, str]:
        key = self.workdir / (f"key-{abs(hash(key_pem))}.pem" if key_pem else "key.pem")
        cert = self.workdir / "cert.pem"
        key.write_text(key_pem or self.key_pem)
        cert.write_text(self.cert_pem)
        return str(key), str(cert)

    def _config(self, sp_metadata: str | None) -> IdPConfig:
        key_file, cert_file = self._files()
        conf = IdPConfig()
        data: dict[str, Any] = {
            "entityid": self.entity_id,
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]
                    },
                    "policy": {"default": {"lifetime": {"minutes": 15}, "name_form": URI}},
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": False,
                }
            },
            "key_file": key_file,
            "cert_file": cert_file,
            "crypto_backend": "XMLSecurity",
        }
        if sp_metadata:
            data["metadata"] = {"inline": [sp_metadata]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            conf.load(data)
        return conf

    def metadata_xml(self) -> str:
        """The IdP's own metadata (entity id, Redirect SSO endpoint, signing certificate)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return create_metadata_string(None, config=self._config(None)).decode()

    def server(self, sp_metadata: str) -> Server:
        if sp_metadata not in self._servers:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                server = Server(config=self._config(sp_metadata))
            server.sec.crypto = XmlsecSigner()
            self._servers[sp_metadata] = server
        return self._servers[sp_metadata]

    def parse_request(self, sp_metadata: str, redirect_url: str) -> tuple[str, str, str]:
        """(request id, ACS URL, issuer) of the AuthnRequest in an SP redirect."""
        query = parse_qs(urlsplit(redirect_url).query)
        req = self.server(sp_metadata).parse_authn_request(
            query["SAMLRequest"][0], BINDING_HTTP_REDIRECT
        )
        msg = req.message
        return msg.id, msg.assertion_consumer_service_url, msg.issuer.text

    def response(
        self,
        sp_metadata: str,
        *,
        sp_entity_id: str,
        acs_url: str,
        email: str,
        in_response_to: str | None = None,
        name_id: str | None = None,
        attributes: dict[str, list[str]] | None = None,
        algs: tuple[str, str] = SHA256,
        sign: bool = True,
        signing_key: str | None = None,
        mutate: Mutator | None = None,
    ) -> str:
        """A SAML Response XML with one assertion for `email`, signed unless told otherwise."""
        server = self.server(sp_metadata)
        server.sec.crypto.mutate = mutate
        key_file, _cert = self._files(signing_key)
        server.sec.key_file = key_file
        identity = attributes or {EMAIL_CLAIM: [email], "givenName": ["Ada"], "sn": ["Lovelace"]}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            resp = server.create_authn_response(
                identity,
                in_response_to,
                acs_url,
                sp_entity_id,
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id or f"nid-{email}"),
                sign_assertion=sign,
                sign_response=False,
                sign_alg=algs[0],
                digest_alg=algs[1],
                authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            )
        server.sec.crypto.mutate = None
        xml = str(resp)
        if mutate is not None and not sign:
            root = etree.fromstring(xml.encode())
            mutate(root)
            xml = etree.tostring(root).decode()
        return xml


def assertion_of(xml: str) -> etree._Element:
    return etree.fromstring(xml.encode()).find("saml:Assertion", NS)


def with_extra_assertion(xml: str, extra: etree._Element, first: bool = True) -> str:
    """Insert another assertion into the response (before or after the existing one)."""
    root = etree.fromstring(xml.encode())
    original = root.find("saml:Assertion", NS)
    index = list(root).index(original)
    root.insert(index if first else index + 1, copy.deepcopy(extra))
    return etree.tostring(root).decode()


def post_binding(xml: str) -> str:
    import base64

    return base64.b64encode(xml.encode()).decode()


__all__ = ["BINDING_HTTP_POST", "NS", "SHA1", "SHA256", "SamlIdP", "make_keypair"]
