"""The demo's httpd.conf (scripts/demo.py, written with the harness's
template) is one apache2 accepts, with the bundled stand-in and with real
Threads, without starting anything."""

import importlib.util
import os

import pytest

from harness import REPO, configtest
from standin import make_ca

THREADS_VARIABLES = ("THREADS_APP_ID", "THREADS_APP_SECRET",
                     "THREADS_REDIRECT_URI")


def load_demo():
    path = os.path.join(REPO, "scripts", "demo.py")
    spec = importlib.util.spec_from_file_location("demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    return demo


@pytest.mark.parametrize("mode", ["standin", "threads"])
def test_demo_configuration_passes_configtest(module_so, workdir,
                                              monkeypatch, mode):
    demo = load_demo()
    monkeypatch.setattr(demo, "SO", module_so)
    monkeypatch.setenv("DEMO_PORT", "18080")
    monkeypatch.setenv("DEMO_STANDIN_PORT", "18443")
    for name in THREADS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if mode == "threads":
        monkeypatch.setenv("THREADS_APP_ID", "123456")
        monkeypatch.setenv("THREADS_APP_SECRET", "a-real-app-secret")
        monkeypatch.setenv("THREADS_REDIRECT_URI",
                           "https://demo.example.org/oauth/callback")
    plan = demo.Plan(os.path.join(workdir, "demo-" + mode))
    assert plan.mode == mode
    demo.prepare_run_dir(plan)
    if plan.standin:
        make_ca(plan.tls, "ca")
    text = demo.config_text(plan)
    with open(plan.conf, "w") as f:
        f.write(text)
    # The app secret stays in its 0600 file.
    assert plan.app_secret not in text
    rc, out = configtest(plan.conf)
    assert rc == 0, out + "\n" + text
    assert "Syntax OK" in out
