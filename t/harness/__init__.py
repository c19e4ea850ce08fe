"""Drives a real httpd with mod_threads_oauth for the integration tests.

  httpdconf  the one httpd.conf template (tests, demo, bench, soak)
  httpd      Httpd: one test server in a directory of its own, with the
             test app's identity (APP_ID, APP_SECRET, USER_ID,
             CALLBACK_PATH); `apache2 -t`, start, graceful restart,
             stop by PID, its logs
  browser    Browser: a cookie-keeping client that takes every redirect by
             hand, as a browser does, and can walk a whole login
  checks     assertions about the module's answers
  loopback   raw TCP peers (a token server that says anything, a proxy)
  sealed     the module's sealed session values, opened and forged
  meta       Meta posting its Deauthorize and Data Deletion callbacks
  redis      a real redis-server, a RESP client, the module's store keys
  faketime   httpd on a clock ahead of the real one (libfaketime)

The names tests use are importable from this package. httpd runs with
clean_env(); Httpd(env=...) adds variables (a proxy setting, libfaketime).
"""

from .browser import NAVIGATION_HEADERS, Browser, LoginFlow
from .checks import (assert_module_json, assert_module_page, assert_no_store,
                     assert_not_logged_in, assert_redirect_to, cache_control,
                     cgi_env, describe, has_link, media_type, query_of)
from .httpd import (APP_ID, APP_SECRET, CALLBACK_PATH, CRASH_RE, MODULE_SO,
                    REPO, SHARED_SESSION_KEY, T_DIR, USER_ID, Httpd,
                    HttpdError, clean_env, configtest, free_port, includes_in,
                    with_store)
from .httpdconf import APACHE2, BASE_MODULES, MODULES_DIR, MPMS
from .loopback import LoopbackServer, read_head

__all__ = [
    "APACHE2", "APP_ID", "APP_SECRET", "BASE_MODULES", "CALLBACK_PATH",
    "CRASH_RE", "MODULES_DIR", "MODULE_SO", "MPMS", "NAVIGATION_HEADERS",
    "REPO", "SHARED_SESSION_KEY", "T_DIR", "USER_ID", "Browser", "Httpd",
    "HttpdError", "LoginFlow", "LoopbackServer", "assert_module_json",
    "assert_module_page", "assert_no_store", "assert_not_logged_in",
    "assert_redirect_to",
    "cache_control", "cgi_env", "clean_env", "configtest", "describe",
    "free_port", "has_link", "includes_in", "media_type", "query_of",
    "read_head", "with_store",
]
