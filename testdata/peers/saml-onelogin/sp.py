#!/usr/bin/python3
"""A SAML service provider on python3-saml (OneLogin; Debian python3-onelogin-saml2), for provkit's vendor-SP mode.

    sp.py PORT IDP_METADATA_FILE SCIM_TOKEN

Settings are the library's documented strict mode: strict=True, the IdP's certificate from its metadata, and
rejectDeprecatedAlgorithm. wantMessagesSigned and wantAssertionsSigned keep their defaults (False): the library then
requires the Response or the Assertion to be signed, so it serves IdPs that sign either.
"""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "saml-common"))
import peer  # noqa: E402

from onelogin.saml2.auth import OneLogin_Saml2_Auth  # noqa: E402
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser  # noqa: E402
from onelogin.saml2.settings import OneLogin_Saml2_Settings  # noqa: E402
from onelogin.saml2.utils import OneLogin_Saml2_Utils  # noqa: E402


class SP:
    def __init__(self, port, idp_md):
        base = "http://127.0.0.1:%d" % port
        settings = {
            "strict": True,
            # debug only prints why a response was refused (the schema errors, say) into the peer's log
            "debug": True,
            "sp": {
                "entityId": base + "/metadata",
                "assertionConsumerService": {"url": base + "/acs",
                                             "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
                "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            },
            "security": {"rejectDeprecatedAlgorithm": True},
        }
        self.settings = OneLogin_Saml2_IdPMetadataParser.merge_settings(
            settings, OneLogin_Saml2_IdPMetadataParser.parse(idp_md))
        self.port = port

    def request(self, path, post=None):
        return {"https": "off", "http_host": "127.0.0.1", "server_port": str(self.port), "script_name": path,
                "get_data": {}, "post_data": post or {}}

    def metadata(self):
        s = OneLogin_Saml2_Settings(self.settings, sp_validation_only=True)
        return s.get_sp_metadata()

    def login(self, base):
        auth = OneLogin_Saml2_Auth(self.request("/login"), self.settings)
        url = auth.login(return_to=base + "/me")
        return url, auth.get_last_request_id()

    def acs(self, base, form, request_id):
        auth = OneLogin_Saml2_Auth(self.request("/acs", form), self.settings)
        auth.process_response(request_id=request_id)
        if auth.get_errors() or not auth.is_authenticated():
            raise peer.Refused("%s %s" % (auth.get_errors(), auth.get_last_error_reason()))
        return (auth.get_nameid(), auth.get_attributes(), auth.get_last_assertion_id(),
                auth.get_last_assertion_not_on_or_after())


def main():
    port, md_file, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(md_file) as f:
        md = f.read()
    peer.serve(SP(port, md), port, token)


if __name__ == "__main__":
    main()
