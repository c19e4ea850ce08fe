"""Drives a real httpd with mod_threads_oauth for the integration tests.

  httpdconf  the one httpd.conf template (tests, demo, bench, soak)
  httpd      Httpd: one test server in a directory of its own, with the
             test app's identity (APP_ID, APP_SECRET, USER_ID,
             CALLBACK_PATH); `apache2 -t`, start, graceful and full
             restarts, stop by PID, its logs
  lifecycle  how a run of httpd ended (Stop: exit status, killed or not,
             leftover processes, PID file, crash lines) and when that is
             clean; CRASH_RE, SEVERE_RE
  browser    Browser: a cookie-keeping client that takes every redirect by
             hand, as a browser does, and can walk a whole login
  checks     assertions about the module's answers
  loopback   raw TCP peers (a token server that says anything, a proxy)
  leaks      the secrets a test saw, the forms a log may hold them in, and
             the search of a log for them
  fastcgi    a FastCGI application for mod_proxy_fcgi
  sealed     the module's sealed session values, opened and forged
  prometheus a strict reader of the Prometheus text exposition format
  counters   the module's counters read from server-status and /metrics,
             and the check of how a step moved them
  meta       Meta posting its Deauthorize and Data Deletion callbacks
  redis      a real redis-server, a RESP client, the module's store keys
  faketime   httpd on a clock ahead of the real one (libfaketime)
  stores     mod_session_dbd on SQLite: the database and its server lines

The names tests use are importable from this package. httpd runs with
clean_env(); Httpd(env=...) adds variables (a proxy setting, libfaketime).
"""

from .browser import NAVIGATION_HEADERS, Browser, LoginFlow
from .checks import (assert_module_headers, assert_module_json,
                     assert_module_page, assert_no_referrer, assert_no_store,
                     assert_not_logged_in, assert_redirect_to, cache_control,
                     cgi_env, describe, has_link, header_lines, media_type,
                     query_of, session_set_cookies)
from .httpd import (APP_ID, APP_SECRET, CALLBACK_PATH, CRASH_RE, MODULE_SO,
                    REPO, SHARED_SESSION_KEY, T_DIR, USER_ID, Httpd,
                    HttpdError, clean_env, configtest, free_port, includes_in,
                    stop_all, with_store)
from .httpdconf import (APACHE2, BASE_MODULES, MODULES_DIR, MPMS,
                        REMOTE_USER_USERNAME)
from .lifecycle import SEVERE_RE, Stop, UncleanStop, describe_status
from .loopback import LoopbackServer, read_head

__all__ = [
    "APACHE2", "APP_ID", "APP_SECRET", "BASE_MODULES", "CALLBACK_PATH",
    "CRASH_RE", "MODULES_DIR", "MODULE_SO", "MPMS", "NAVIGATION_HEADERS",
    "REMOTE_USER_USERNAME", "REPO", "SEVERE_RE", "SHARED_SESSION_KEY", "T_DIR", "USER_ID",
    "Browser", "Httpd", "HttpdError", "LoginFlow", "LoopbackServer", "Stop",
    "UncleanStop", "assert_module_headers", "assert_module_json",
    "assert_module_page", "assert_no_referrer", "assert_no_store",
    "assert_not_logged_in", "assert_redirect_to", "cache_control", "cgi_env",
    "clean_env", "configtest", "describe", "describe_status", "free_port",
    "has_link", "header_lines", "includes_in", "media_type", "query_of",
    "read_head", "session_set_cookies", "stop_all", "with_store",
]
