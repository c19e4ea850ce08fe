"""The stand-in's command line (the demo runs it so):

    python3 -m standin --listen 127.0.0.2:8443 --tls-dir DIR \\
        --app-id 990602627938098 --app-secret S --redirect-uri URI \\
        [--auto-consent]

from t/, or t/threads_standin.py with the same options. It prints its base
URL on the first line of standard output and serves until it is killed
(SIGTERM or SIGINT)."""

import argparse
import os
import signal
import sys
import threading

from .server import (DEFAULT_APP_ID, DEFAULT_APP_NAME, DEFAULT_APP_SECRET,
                     DEFAULT_NAME, DEFAULT_USER_ID, DEFAULT_USERNAME,
                     ThreadsStandin)
from .tls import reuse_or_make_server_material


def _prog():
    """The program's name in --help: how it was started."""
    if os.path.basename(sys.argv[0]) == "__main__.py":
        return "python3 -m standin"
    return None


def _parse_listen(text):
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError("expected HOST:PORT")
    return host, int(port)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog=_prog(),
        description="A stand-in for Threads' OAuth endpoints (for tests and "
                    "demos; it never talks to Threads).")
    ap.add_argument("--listen", type=_parse_listen,
                    default=("127.0.0.2", 8443), metavar="HOST:PORT",
                    help="address to listen on (port 0: any free port)")
    ap.add_argument("--tls-dir", metavar="DIR",
                    help="serve HTTPS; the CA (ca.pem) and server "
                         "certificate are made in DIR unless already there")
    ap.add_argument("--app-id", default=DEFAULT_APP_ID)
    secret = ap.add_mutually_exclusive_group()
    secret.add_argument("--app-secret")
    secret.add_argument("--app-secret-file", metavar="FILE",
                        help="read the app secret from the first line")
    ap.add_argument("--redirect-uri", action="append", default=[],
                    metavar="URI", help="a valid OAuth redirect URI "
                    "(repeatable)")
    ap.add_argument("--user-id", default=DEFAULT_USER_ID)
    ap.add_argument("--username", default=DEFAULT_USERNAME)
    ap.add_argument("--name", default=DEFAULT_NAME)
    ap.add_argument("--app-name", default=DEFAULT_APP_NAME)
    ap.add_argument("--auto-consent", action="store_true",
                    help="skip the consent page: answer Allow at once")
    ap.add_argument("--verbose", action="store_true",
                    help="log each request (path only) to standard error")
    args = ap.parse_args(argv)

    app_secret = args.app_secret or DEFAULT_APP_SECRET
    if args.app_secret_file:
        with open(args.app_secret_file) as f:
            app_secret = f.readline().strip()

    tls = None
    if args.tls_dir:
        tls = reuse_or_make_server_material(args.tls_dir)

    host, port = args.listen
    standin = ThreadsStandin(host=host, port=port, tls=tls,
                             app_id=args.app_id, app_secret=app_secret,
                             redirect_uris=args.redirect_uri,
                             user_id=args.user_id, username=args.username,
                             name=args.name, app_name=args.app_name,
                             auto_consent=args.auto_consent,
                             verbose=args.verbose)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    standin.start()
    print(standin.base_url, flush=True)
    if args.tls_dir:
        sys.stderr.write("standin: CA certificate %s\n"
                         % os.path.join(args.tls_dir, "ca.pem"))
        sys.stderr.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
