"""Loud failure first: xmlsec and lxml must share one libxml2, or SAML signatures break oddly."""

import lxml.etree
import xmlsec


def test_xmlsec_and_lxml_share_libxml2() -> None:
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION, (
        f"xmlsec uses libxml2 {xmlsec.get_libxml_version()} but lxml uses "
        f"{lxml.etree.LIBXML_VERSION}: reinstall xmlsec from source against lxml's libxml2"
    )
    assert xmlsec.get_libxml_compiled_version() == lxml.etree.LIBXML_COMPILED_VERSION
    root = lxml.etree.fromstring(b"<a ID='x'><b/></a>")
    xmlsec.tree.add_ids(root, ["ID"])
