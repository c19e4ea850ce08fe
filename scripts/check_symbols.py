"""Every httpd and APR function the built module calls is declared in the
public headers of httpd, APR and APR-util: a symbol that links only
because httpd's binary happens to export it (ap_response_code_string was
one) may vanish in the next httpd or on another platform.

Reads the undefined dynamic symbols of the module (nm -D) whose names
start with ap_, apr_ or apu_, and looks for the declaration that exports
each to modules (AP_DECLARE and its kin, or a declared hook) in the
headers of apxs's INCLUDEDIR and apr-1-config's and apu-1-config's
include folders. Exits 1 naming the symbols it does not find.

Usage: /usr/bin/python3 scripts/check_symbols.py [module.so]
"""

import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SO = os.path.join(ROOT, ".libs", "mod_threads_oauth.so")
PREFIXES = ("ap_", "apr_", "apu_")


def query(cmd, fallback):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             check=True).stdout.strip()
        return out or fallback
    except (OSError, subprocess.CalledProcessError):
        return fallback


def include_dirs():
    return sorted({
        query(["apxs", "-q", "INCLUDEDIR"], "/usr/include/apache2"),
        query(["apr-1-config", "--includedir"], "/usr/include/apr-1.0"),
        query(["apu-1-config", "--includedir"], "/usr/include/apr-1.0"),
    })


def undefined_symbols(so):
    out = subprocess.run(["nm", "-D", "--undefined-only", so],
                         capture_output=True, text=True, check=True).stdout
    names = (line.split()[-1].split("@")[0] for line in out.splitlines()
             if line.strip())
    return sorted({n for n in names if n.startswith(PREFIXES)})


def exported(name, text):
    """1 when a header declares name for modules: a function or data of
    AP_DECLARE, APR_DECLARE, APU_DECLARE (and their _NONSTD, _DATA
    forms; not AP_CORE_DECLARE, which httpd keeps for itself), or the
    ap_hook_ / ap_run_ / ap_hook_get_ function of a declared hook. A plain
    prototype (ap_response_code_string in mod_core.h) is httpd's own."""
    n = re.escape(name)
    if re.search(r"(?<![A-Z_])(?:AP|APR|APU)_DECLARE(?:_NONSTD)?\s*"
                 r"\([^;{]*?\)\s*\**\s*%s\s*\(" % n, text):
        return True
    if re.search(r"(?<![A-Z_])(?:AP|APR|APU)_DECLARE_DATA\b[^;]*\b%s\b"
                 % n, text):
        return True
    for pattern in (r"ap_hook_get_(\w+)$", r"ap_(?:hook|run)_(\w+)$"):
        hook = re.match(pattern, name)
        if hook and re.search(r"DECLARE\w*HOOK\s*\([^;]*?\b%s\b"
                              % re.escape(hook.group(1)), text):
            return True
    return False


def without_comments(text):
    """C text without its /* */ comments (an example in a comment declares
    nothing)."""
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def main():
    so = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SO
    if not os.path.exists(so):
        sys.exit("check_symbols: %s is not built (make module)" % so)
    headers = []
    for d in include_dirs():
        for path in glob.glob(os.path.join(d, "*.h")):
            with open(path, errors="replace") as f:
                headers.append(without_comments(f.read()))
    if not headers:
        sys.exit("check_symbols: no httpd or APR headers found in %s"
                 % ", ".join(include_dirs()))
    text = "\n".join(headers)
    symbols = undefined_symbols(so)
    missing = [s for s in symbols if not exported(s, text)]
    if missing:
        sys.exit("check_symbols: %s calls functions no public header "
                 "declares: %s" % (os.path.relpath(so, ROOT),
                                   ", ".join(missing)))
    print("check_symbols: %d httpd and APR functions, each declared in a "
          "public header" % len(symbols))


if __name__ == "__main__":
    main()
