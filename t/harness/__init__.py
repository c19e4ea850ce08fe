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
  leaks      the secrets a test saw, the forms a log may hold them in, and
             the search of a log for them
  fastcgi    a FastCGI application for mod_proxy_fcgi
  sealed     the module's sealed session values, opened and forged
  stores     mod_session_dbd on SQLite: the database and its server lines

The names tests use are importable from this package. To change what httpd
runs with, patch harness.httpd (its clean_env, say), where Httpd looks.
"""

from .browser import NAVIGATION_HEADERS, Browser, LoginFlow
from .checks import (assert_module_headers, assert_module_json,
                     assert_module_page, assert_no_referrer, assert_no_store,
                     assert_redirect_to, cache_control, describe, has_link,
                     header_lines, media_type, query_of, session_set_cookies)
from .httpd import (APP_ID, APP_SECRET, CALLBACK_PATH, CRASH_RE, MODULE_SO,
                    REPO, T_DIR, USER_ID, Httpd, HttpdError, clean_env,
                    configtest, free_port)
from .httpdconf import APACHE2, BASE_MODULES, MODULES_DIR, MPMS
from .loopback import LoopbackServer, read_head

__all__ = [
    "APACHE2", "APP_ID", "APP_SECRET", "BASE_MODULES", "CALLBACK_PATH",
    "CRASH_RE", "MODULES_DIR", "MODULE_SO", "MPMS", "NAVIGATION_HEADERS",
    "REPO", "T_DIR", "USER_ID", "Browser", "Httpd", "HttpdError", "LoginFlow",
    "LoopbackServer", "assert_module_headers", "assert_module_json",
    "assert_module_page", "assert_no_referrer", "assert_no_store",
    "assert_redirect_to", "cache_control", "clean_env", "configtest",
    "describe", "free_port", "has_link", "header_lines", "media_type",
    "query_of", "read_head", "session_set_cookies",
]
