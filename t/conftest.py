"""pytest fixtures: the Threads stand-in over HTTPS on 127.0.0.2, and httpd
servers running mod_threads_oauth against it.

Session scope:
  workdir          a 0755 directory under /tmp (short: cgid socket paths);
                   kept after the run when THREADS_TEST_KEEP is set
  tls              TLSMaterial: ca, server, other_ca, untrusted, expired,
                   wrong_host (each .cert/.key); tls.ca_file
  standin_server   the HTTPS stand-in, started once
  module_so        path of the built module (.libs/mod_threads_oauth.so, or
                   $THREADS_MODULE_SO); skips the test when it does not exist
  redis_server     a real redis-server on loopback (harness.redis), started
                   when a test first asks for it; skips the test without
                   redis-server
Function scope:
  standin          standin_server, reset (faults, records, codes, tokens,
                   attributes) before and after the test; the test fails
                   when one of its handlers raised meanwhile
  standin_factory  standin_factory(cert="untrusted"|"expired"|"wrong_host"|
                   "server", **ThreadsStandin kwargs) -> another started
                   stand-in (stopped after the test)
  httpd_factory    httpd_factory(extra="", mpm=None, directives=None,
                   location_app=True, start=True, name=None, **conf) ->
                   Httpd; mpm None: the test's @pytest.mark.mpm("worker")
                   or event; conf: more keywords of Httpd (modules,
                   session, mpm_tuning, ...). After the test each is
                   stopped, and the test fails unless every stop of each
                   (restarts included) was clean: exit status 0, not
                   killed, nothing of its process group left, PID file
                   removed, no crash line (harness/lifecycle.py)
  httpd            httpd_factory() with the base configuration
  browser          Browser(httpd)
  redis            redis_server, running and emptied (statistics too); a
                   test may stop() it, it runs again for the next
  memcached        a memcached of the test's own on loopback
                   (harness.memcached), stopped after
  browser_factory  browser_factory(httpd=None) -> a new Browser (own cookies)
  configtest       configtest(extra="", directives=None, location_app=True)
                   -> (rc, output) of `apache2 -t`
  shared_httpd     one httpd for a whole test file (module scope), started
                   with the extra configuration the file's
                   shared_config(h) returns; per test it is registered with
                   the reset stand-in, and a crash of one of its children
                   (or of its parent) fails the test that caused it; an
                   unclean stop at the end fails the file's last test

A failed test's report carries each httpd's error log (tail) and the list of
requests the stand-in received. After every test the httpd error logs are
checked for crashed children, and every httpd that was stopped for whether
it stopped cleanly.
"""

import os
import shutil
import tempfile

import pytest

import harness
from harness.redis import REDIS_SERVER, RedisServer
from harness.memcached import MEMCACHED, Memcached
from standin import ThreadsStandin, make_tls_material


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "mpm(name): run the httpd fixture with this MPM")


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="tto-", dir="/tmp")
    os.chmod(d, 0o755)
    yield d
    if not os.environ.get("THREADS_TEST_KEEP"):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def filedir(workdir):
    """A directory httpd (root at start-up) can read files from."""
    d = tempfile.mkdtemp(prefix="cfg", dir=workdir)
    os.chmod(d, 0o755)
    return d


@pytest.fixture(scope="session")
def tls(workdir):
    return make_tls_material(os.path.join(workdir, "tls"))


@pytest.fixture(scope="session")
def standin_server(tls):
    s = ThreadsStandin(host="127.0.0.2", tls=tls.server,
                       app_id=harness.APP_ID,
                       app_secret=harness.APP_SECRET,
                       user_id=harness.USER_ID)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def standin(standin_server, request):
    standin_server.reset()
    request.node._standins = [standin_server]
    yield standin_server
    errors = standin_server.handler_errors
    standin_server.reset()
    fail_on_handler_errors(errors)


@pytest.fixture
def standin_factory(tls, request):
    started = []

    def make(cert="server", **kw):
        kw.setdefault("app_id", harness.APP_ID)
        kw.setdefault("app_secret", harness.APP_SECRET)
        kw.setdefault("user_id", harness.USER_ID)
        s = ThreadsStandin(host="127.0.0.2", tls=getattr(tls, cert), **kw)
        s.start()
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()
    fail_on_handler_errors([e for s in started for e in s.handler_errors])


def fail_on_handler_errors(errors):
    """Fails the test when a stand-in's handler raised (errors: its
    handler_errors): httpd then met a broken stand-in, not Threads."""
    if errors:
        pytest.fail("the stand-in failed on %d request(s):\n%s" % (
            len(errors), "\n".join("%s:%d\n%s" % (c[0], c[1], tb)
                                   for c, tb in errors)), pytrace=False)


@pytest.fixture(scope="session")
def module_so():
    path = harness.MODULE_SO
    if not os.path.exists(path):
        rel = os.path.relpath(path, harness.REPO)
        pytest.skip("the module is not built: %s does not exist (run make "
                    "at the repository root)"
                    % (path if rel.startswith("..") else rel))
    return path


@pytest.fixture(scope="session")
def redis_server(workdir):
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip("redis-server is not installed (Debian package "
                    "redis-server)")
    r = RedisServer(tempfile.mkdtemp(prefix="redis", dir=workdir))
    r.start()
    yield r
    r.remove()


@pytest.fixture
def memcached():
    """A memcached of the test's own on loopback, stopped after."""
    if not os.access(MEMCACHED, os.X_OK):
        pytest.skip("memcached is not installed (Debian package memcached)")
    m = Memcached()
    m.start()
    yield m
    m.stop()


@pytest.fixture
def redis(redis_server):
    if not redis_server.running:
        redis_server.start()
    redis_server.flush()
    yield redis_server
    if redis_server.proc is not None and not redis_server.running:
        # Not a test's stop(): it died. stop() says how, and the next
        # test's setup starts it again.
        redis_server.stop()
    if not redis_server.running:
        redis_server.start()


@pytest.fixture
def httpd_factory(workdir, tls, standin, module_so, request):
    made = []
    base = tempfile.mkdtemp(prefix="h", dir=workdir)
    os.chmod(base, 0o755)
    request.node._httpds = made

    def make(extra="", mpm=None, directives=None, location_app=True,
             start=True, name=None, **conf):
        if mpm is None:
            marker = request.node.get_closest_marker("mpm")
            mpm = marker.args[0] if marker else "event"
        name = name or "httpd%d" % (len(made) + 1)
        h = harness.Httpd(os.path.join(base, name), standin, tls.ca_file,
                          so_path=module_so, mpm=mpm, extra=extra,
                          directives=directives, location_app=location_app,
                          name=name, **conf)
        made.append(h)
        if start:
            h.start()
        return h

    yield make
    failures = harness.stop_all(made)
    if failures:
        # The directory stays (until the session's end) for the report's
        # error log sections.
        pytest.fail("\n".join(failures), pytrace=False)
    if not os.environ.get("THREADS_TEST_KEEP"):
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def httpd(httpd_factory):
    return httpd_factory()


@pytest.fixture
def browser_factory(request):
    made = []

    def make(httpd=None):
        if httpd is None:
            httpd = request.getfixturevalue("httpd")
        b = harness.Browser(httpd)
        made.append(b)
        return b

    yield make
    # Closing the connections before httpd stops lets it finish each
    # request (mod_cgid's cleanup waits for its daemon, gone at shutdown).
    for b in made:
        b.close()


@pytest.fixture
def browser(httpd, browser_factory):
    return browser_factory(httpd)


@pytest.fixture
def configtest(httpd_factory):
    def run(extra="", directives=None, location_app=True):
        h = httpd_factory(extra=extra, directives=directives,
                          location_app=location_app, start=False)
        return h.configtest()

    return run


@pytest.fixture(scope="module")
def module_httpd(workdir, tls, standin_server, module_so, request):
    name = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")
    base = tempfile.mkdtemp(prefix=name, dir=workdir)
    os.chmod(base, 0o755)
    h = harness.Httpd(os.path.join(base, name), standin_server,
                      tls.ca_file, so_path=module_so, name=name)
    config = getattr(request.module, "shared_config", None)
    if config:
        h.extra = config(h)
    h.start()
    yield h
    failures = harness.stop_all([h])
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.fixture
def shared_httpd(module_httpd, standin, request):
    h = module_httpd
    standin.register_redirect_uri(h.redirect_uri)
    request.node._httpds = [h]
    mark = h.error_log_mark()
    yield h
    crashes = [ln for ln in h.error_log_since(mark).splitlines()
               if harness.CRASH_RE.search(ln)]
    if crashes:
        pytest.fail("an httpd child crashed:\n" + "\n".join(crashes),
                    pytrace=False)
    if not h.running:
        # The parent ended during this test: say how.
        pytest.fail("\n".join(harness.stop_all([h])), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Attaches each httpd's error log (tail) and what the stand-in received
    to the report of a failed test."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for h in getattr(item, "_httpds", []):
        report.sections.append(("%s error log (%s)" % (h.name,
                                                       h.error_log_path),
                                h.error_log_tail(120) or "(empty)"))
        stderr = h.read_stderr().strip()
        if stderr:
            report.sections.append(("%s stderr" % h.name, stderr[-4000:]))
    for s in getattr(item, "_standins", []):
        lines = []
        for r in s.requests:
            lines.append("%s %s -> %s" % (r.method, r.path, r.status))
        report.sections.append(("stand-in requests",
                                "\n".join(lines) or "(none)"))
