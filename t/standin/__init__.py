"""A stand-in for Threads' OAuth and Graph endpoints, faults included.

It answers like Meta's "Get Access Tokens and Permissions" guide says Threads
does: the Authorization Window (/oauth/authorize, with a real consent page),
the code exchange (POST /oauth/access_token), the long-lived token exchange
(/access_token), the refresh (/refresh_access_token) and the profile
(/v1.0/me). It records every request it gets, and a test can make any
endpoint misbehave for the next N requests (slow, trickling, reset, garbage,
huge, rejected, 5xx, redirected, without a token, or any custom answer).

One job per module:

  tls         the CA and certificates (openssl command line)
  recording   RecordedRequest, the endpoint names, faults and their answers
  answers     the answer and error shapes the endpoints share
  authorize   the Authorization Window: consent and error pages
  tokens      the code exchange, the long-lived exchange, the refresh
  graph       the profile (/v1.0/me)
  meta        Meta's signed_request for the app's Deauthorize and Data
              Deletion callbacks
  server      ThreadsStandin: settings, codes and tokens, the HTTP(S)
              server, reset
  __main__    the command line

In-process use (pytest):

    tls = make_tls_material("/tmp/dir")
    s = ThreadsStandin(host="127.0.0.2", tls=tls.server, app_secret="s3cret",
                       redirect_uris=["http://127.0.0.1:8080/oauth/callback"])
    s.start(); ... s.base_url ... s.requests ... s.set_fault("token", "slow",
    seconds=5) ... s.signed_request(user_id) ... s.reset(); s.stop()

Command line (demo), from t/ (or as t/threads_standin.py):

    python3 -m standin --listen 127.0.0.2:8443 --tls-dir DIR \\
        --app-id 990602627938098 --app-secret S --redirect-uri URI \\
        [--auto-consent]

prints its base URL on the first line of standard output and serves until it
is killed. Python standard library only.
"""

from .authorize import PERMISSIONS
from .recording import (ENDPOINTS, FAULT_KINDS, MOVED_PREFIX, Fault,
                        RecordedRequest)
from .server import (DEFAULT_APP_ID, DEFAULT_APP_NAME, DEFAULT_APP_SECRET,
                     DEFAULT_NAME, DEFAULT_USER_ID, DEFAULT_USERNAME,
                     ThreadsStandin)
from .tls import (DEFAULT_SANS, CertFiles, TLSMaterial, make_ca, make_cert,
                  make_tls_material, reuse_or_make_server_material)
from .tokens import (CODE_LIFETIME, LONG_EXPIRES_IN, REFRESH_MIN_AGE,
                     SHORT_LIFETIME)

__all__ = [
    "CODE_LIFETIME", "DEFAULT_APP_ID", "DEFAULT_APP_NAME",
    "DEFAULT_APP_SECRET", "DEFAULT_NAME", "DEFAULT_SANS", "DEFAULT_USER_ID",
    "DEFAULT_USERNAME", "ENDPOINTS", "FAULT_KINDS", "LONG_EXPIRES_IN",
    "MOVED_PREFIX", "PERMISSIONS", "REFRESH_MIN_AGE", "SHORT_LIFETIME",
    "CertFiles", "Fault", "RecordedRequest", "TLSMaterial", "ThreadsStandin",
    "make_ca", "make_cert", "make_tls_material",
    "reuse_or_make_server_material",
]
