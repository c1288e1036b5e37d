#!/usr/bin/python3
"""A SAML service provider on pysaml2 (Debian python3-pysaml2), for provkit's vendor-SP mode.

    sp.py PORT IDP_METADATA_FILE SCIM_TOKEN

The configuration is pysaml2's documented SP setup: the IdP from local metadata, xmlsec1, allow_unsolicited for
IdP-initiated logins, want_assertions_or_response_signed (either element signed, as IdPs differ), and
allow_unknown_attributes so that Email/First/Last reach the application.
"""

import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "saml-common"))
import peer  # noqa: E402

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT  # noqa: E402
from saml2.client import Saml2Client  # noqa: E402
from saml2.config import SPConfig  # noqa: E402
from saml2.metadata import create_metadata_string  # noqa: E402
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS  # noqa: E402


class SP:
    def __init__(self, port, md_file):
        base = "http://127.0.0.1:%d" % port
        self.conf = {
            "entityid": base + "/metadata",
            "xmlsec_binary": "/usr/bin/xmlsec1",
            "metadata": {"local": [md_file]},
            "allow_unknown_attributes": True,
            "service": {"sp": {
                "endpoints": {"assertion_consumer_service": [(base + "/acs", BINDING_HTTP_POST)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "allow_unsolicited": True,
                "want_response_signed": False,
                "want_assertions_signed": False,
                "want_assertions_or_response_signed": True,
            }},
        }
        c = SPConfig()
        c.load(dict(self.conf))
        self.client = Saml2Client(config=c)
        self.idp = list(self.client.metadata.identity_providers())[0]

    def metadata(self):
        c = SPConfig()
        c.load(dict(self.conf))
        md = create_metadata_string(None, config=c, valid=24)
        return md.decode() if isinstance(md, bytes) else md

    def login(self, base):
        req_id, info = self.client.prepare_for_authenticate(entityid=self.idp, relay_state=base + "/me",
                                                            binding=BINDING_HTTP_REDIRECT)
        return dict(info["headers"])["Location"], req_id

    def acs(self, base, form, request_id):
        outstanding = {request_id: base + "/me"} if request_id else None
        r = self.client.parse_authn_request_response(form.get("SAMLResponse", ""), BINDING_HTTP_POST,
                                                     outstanding=outstanding)
        if r is None or r.assertion is None:
            raise peer.Refused("pysaml2 returned no assertion")
        a = r.assertion
        attrs = {k: [str(x) for x in v] for k, v in (r.ava or {}).items()}
        not_after = 0
        try:
            from saml2.time_util import str_to_time
            import calendar
            not_after = calendar.timegm(str_to_time(a.conditions.not_on_or_after))
        except Exception:
            pass
        return r.name_id.text if r.name_id is not None else "", attrs, a.id, not_after


def main():
    logging.basicConfig(level=logging.CRITICAL)
    port, md_file, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    peer.serve(SP(port, md_file), port, token)


if __name__ == "__main__":
    main()
