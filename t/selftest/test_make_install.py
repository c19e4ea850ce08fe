"""make install and make uninstall into a DESTDIR: the module, its .load
and its .conf where each layout keeps them, and nothing left after
uninstall."""

import os
import subprocess

import pytest

import harness


def make(*args):
    return subprocess.run(["make", "-s", "-C", harness.REPO] + list(args),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def destdir(tmp_path, module_so):
    # make install builds the module first: run only when that is a no-op,
    # so the servers of other tests keep their .so.
    if make("-q", "-f", "Makefile.apxs",
            ".libs/mod_threads_oauth.so").returncode != 0:
        pytest.skip("the module is not built or not up to date: make module")
    return str(tmp_path / "root")


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, names in os.walk(root) for f in names)


@pytest.mark.parametrize("layout, sysconfdir, expected", [
    ("debian", "/etc/apache2", [
        "etc/apache2/mods-available/threads_oauth.conf",
        "etc/apache2/mods-available/threads_oauth.load",
        "usr/lib/apache2/modules/mod_threads_oauth.so"]),
    ("rpm", "/etc/httpd/conf", [
        "etc/httpd/conf.d/threads_oauth.conf",
        "etc/httpd/conf.modules.d/10-threads_oauth.conf",
        "usr/lib/apache2/modules/mod_threads_oauth.so"]),
    ("none", "/etc/apache2", [
        "usr/lib/apache2/modules/mod_threads_oauth.so"]),
])
def test_install_then_uninstall(destdir, layout, sysconfdir, expected):
    args = ["DESTDIR=" + destdir, "CONF_LAYOUT=" + layout,
            "SYSCONFDIR=" + sysconfdir]
    r = make("install", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert files_under(destdir) == expected
    if layout != "none":
        load = os.path.join(destdir, [f for f in expected
                                      if "load" in f or "modules.d" in f][0])
        with open(load) as f:
            assert ("LoadModule threads_oauth_module "
                    "/usr/lib/apache2/modules/mod_threads_oauth.so") in f.read()
    r = make("uninstall", *args)
    assert r.returncode == 0, r.stdout + r.stderr
    assert files_under(destdir) == []


def test_install_keeps_a_changed_conf(destdir):
    args = ["DESTDIR=" + destdir, "CONF_LAYOUT=debian",
            "SYSCONFDIR=/etc/apache2"]
    conf = os.path.join(destdir, "etc/apache2/mods-available/"
                                 "threads_oauth.conf")
    assert make("install", *args).returncode == 0
    with open(conf, "a") as f:
        f.write("ThreadsAppId 1\n")
    r = make("install", *args)
    assert r.returncode == 0 and "kept" in r.stdout, r.stdout + r.stderr
    with open(conf) as f:
        assert f.read().endswith("ThreadsAppId 1\n")
    assert os.path.exists(conf + ".new")
    # make uninstall removes what it installed, but not the admin's edit:
    # the changed .conf stays, and says so.
    r = make("uninstall", *args)
    assert r.returncode == 0 and "kept" in r.stdout, r.stdout + r.stderr
    assert files_under(destdir) == [
        "etc/apache2/mods-available/threads_oauth.conf"]
    with open(conf) as f:
        assert f.read().endswith("ThreadsAppId 1\n")
