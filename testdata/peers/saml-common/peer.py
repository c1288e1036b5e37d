"""HTTP plumbing shared by the SAML service-provider peers (saml-onelogin, saml-pysaml2).

It is not a SAML implementation: each peer validates responses with its own library. This module serves, on
127.0.0.1, what provkit's vendor-SP mode needs from an SP (docs/sso.md, "Testing your own service provider"):

  GET  /metadata          the SP's metadata (from the library)
  GET  /login             an SP-initiated login: a redirect to the IdP with an AuthnRequest (HTTP-Redirect)
  POST /acs               the assertion consumer service (HTTP-POST); on success a session cookie and JIT
  GET  /me                200 {"email": ...} to a signed-in browser, 401 otherwise
  GET  /scim/v2/Users     a minimal SCIM read of the accounts JIT created (filter userName eq "..."), bearer token
  DELETE /scim/v2/Users/{id}

The application duties both libraries leave to the caller are done here, once, for both: the one-time use of
assertions (SAML Profiles 4.1.4.5; python3-saml's README asks the application to keep the IDs), the link between a
browser and its outstanding AuthnRequest (a cookie), and JIT accounts keyed by the email.
"""

import http.cookies
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMAIL_ATTRS = ("Email", "email", "mail", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")


class Refused(Exception):
    """The library refused the response (the reason goes to the log only)."""


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.accounts = {}   # lower-case email -> {"id", "userName"}
        self.sessions = {}   # session id -> email
        self.pending = {}    # pre-login cookie -> AuthnRequest ID
        self.seen = {}       # assertion ID -> expiry (epoch seconds)

    def first_use(self, assertion_id, not_after):
        now = time.time()
        with self.lock:
            for k in [k for k, exp in self.seen.items() if exp < now]:
                del self.seen[k]
            if not assertion_id or assertion_id in self.seen:
                return False
            self.seen[assertion_id] = max(not_after or 0, now + 3600)
            return True

    def jit(self, email):
        with self.lock:
            key = email.strip().lower()
            if key not in self.accounts:
                self.accounts[key] = {"id": secrets.token_hex(8), "userName": email.strip()}
            return self.accounts[key]


def email_of(name_id, attrs):
    """The identity the SP signs in: the Email attribute, else the NameID."""
    for n in EMAIL_ATTRS:
        vals = attrs.get(n) or []
        if vals:
            if len(set(vals)) != 1:
                raise Refused("several email values")
            return str(vals[0]).strip()
    if name_id and "@" in name_id:
        return name_id.strip()
    raise Refused("no email")


def serve(sp, port, token, log=sys.stderr):
    """Serves the SP. sp has metadata() -> bytes, login(base) -> (url, request_id) and
    acs(base, form, request_id) -> (name_id, attrs, assertion_id, not_on_or_after_epoch); acs raises on refusal."""
    state = State()
    base = "http://127.0.0.1:%d" % port

    class H(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            log.write("%s %s\n" % (self.command, fmt % args))

        def cookies(self):
            c = http.cookies.SimpleCookie()
            try:
                c.load(self.headers.get("Cookie", ""))
            except http.cookies.CookieError:
                pass
            return {k: v.value for k, v in c.items()}

        def send(self, status, body=b"", ctype="text/plain; charset=utf-8", headers=()):
            if isinstance(body, str):
                body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def scim_auth(self):
            if self.headers.get("Authorization", "") != "Bearer " + token:
                self.send(401, json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401"}),
                          "application/scim+json")
                return False
            return True

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path == "/metadata":
                return self.send(200, sp.metadata(), "application/samlmetadata+xml")
            if u.path == "/login":
                url, req_id = sp.login(base)
                pre = secrets.token_urlsafe(16)
                with state.lock:
                    state.pending[pre] = req_id
                return self.send(302, "", headers=[("Location", url),
                                                   ("Set-Cookie", "authn=%s; Path=/; HttpOnly; SameSite=None" % pre)])
            if u.path == "/me":
                with state.lock:
                    email = state.sessions.get(self.cookies().get("sid", ""))
                if not email:
                    return self.send(401, json.dumps({"error": "not signed in"}), "application/json")
                return self.send(200, json.dumps({"email": email}), "application/json")
            if u.path == "/scim/v2/Users":
                if not self.scim_auth():
                    return
                q = urllib.parse.parse_qs(u.query).get("filter", [""])[0]
                want = None
                if q.startswith("userName eq "):
                    want = json.loads(q[len("userName eq "):]).lower()
                with state.lock:
                    found = [a for k, a in state.accounts.items() if want is None or k == want]
                res = [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": a["id"], "userName": a["userName"],
                        "active": True} for a in found]
                return self.send(200, json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                                  "totalResults": len(res), "startIndex": 1, "itemsPerPage": len(res),
                                                  "Resources": res}), "application/scim+json")
            return self.send(404, "not found")

        def do_DELETE(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path.startswith("/scim/v2/Users/"):
                if not self.scim_auth():
                    return
                uid = u.path.rsplit("/", 1)[1]
                with state.lock:
                    for k, a in list(state.accounts.items()):
                        if a["id"] == uid:
                            del state.accounts[k]
                            return self.send(204)
                return self.send(404, "")
            return self.send(404, "not found")

        def do_POST(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path != "/acs":
                return self.send(404, "not found")
            n = int(self.headers.get("Content-Length", "0") or 0)
            if n > 1 << 20:
                return self.send(413, "too large")
            form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(n).decode("latin-1")).items()}
            pre = self.cookies().get("authn", "")
            with state.lock:
                req_id = state.pending.pop(pre, None)
            try:
                name_id, attrs, assertion_id, not_after = sp.acs(base, form, req_id)
                email = email_of(name_id, attrs)
                if not state.first_use(assertion_id, not_after):
                    raise Refused("assertion %s already used" % assertion_id)
            except Exception as e:  # the library's reason stays in the log
                log.write("ACS refused: %s: %s\n" % (type(e).__name__, str(e)[:300]))
                return self.send(403, "sign-in refused")
            state.jit(email)
            sid = secrets.token_urlsafe(24)
            with state.lock:
                state.sessions[sid] = email
            log.write("ACS signed in %s\n" % email)
            return self.send(303, "", headers=[("Location", "/me"),
                                               ("Set-Cookie", "sid=%s; Path=/; HttpOnly; SameSite=None" % sid)])

    srv = ThreadingHTTPServer(("127.0.0.1", port), H)
    log.write("SP listening on %s\n" % base)
    log.flush()
    srv.serve_forever()
