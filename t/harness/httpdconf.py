"""The one httpd.conf template of the project: the test servers (Httpd in
harness.httpd), the demo (scripts/demo.py), the benchmark (scripts/bench.py)
and the soak (t/soak.py) all write their configuration with render().

What it writes stands alone: modules are loaded by absolute path from
MODULES_DIR (those compiled into apache2 are named in a comment instead),
nothing is included from /etc/apache2, so the machine's enabled modules
cannot leak in. The layout, top to bottom:

  server       ServerRoot, ServerName, Listen, PidFile, DefaultRuntimeDir,
               ErrorLog, LogLevel
  modules      the MPM, the module list, mod_threads_oauth
  processes    User and Group (when started as root), the MPM's tuning
  server lines anything else of the server (timeouts, SSLSessionCache)
  content      ScriptSock, TypesConfig, AddDefaultCharset, the access log
  <Directory /> denied
  the site     (inside <VirtualHost> when vhost is given) DocumentRoot, the
               site's lines, the Threads directives, the session store
               under <Location />, the site's locations
  extra        free text at the end, in server context
"""

import os
import pwd
import re
import subprocess

APACHE2 = "/usr/sbin/apache2"
MODULES_DIR = "/usr/lib/apache2/modules"
MPMS = ("event", "worker", "prefork")

# The modules every test server loads (besides the MPM and the module), by
# the name in mod_<name>.so and <name>_module.
BASE_MODULES = (
    "unixd", "authz_core", "authn_core", "authz_user", "authz_host",
    "session", "session_cookie", "cgid", "alias", "mime", "dir", "env",
    "headers", "setenvif", "rewrite", "include", "log_config",
)

# mod_session_cookie's store, as a browser keeps it.
COOKIE_SESSION = ("SessionCookieName session path=/;HttpOnly;SameSite=Lax",)
# REMOTE_USER is the username on the protected /app (ThreadsProfile On
# needed): extra configuration for the tests of that setting.
REMOTE_USER_USERNAME = """
<Location /app>
    ThreadsRemoteUser username
</Location>
"""

_BUILTIN = None


def builtin_modules():
    """Source names of the modules compiled into apache2 (`apache2 -l`),
    such as "mod_unixd.c": those cannot be loaded again."""
    global _BUILTIN
    if _BUILTIN is None:
        out = subprocess.run([APACHE2, "-l"], capture_output=True, text=True,
                             env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                  "LC_ALL": "C"}).stdout
        _BUILTIN = set(re.findall(r"^\s*(\S+\.c)\s*$", out, re.M))
    return _BUILTIN


def children_user():
    """(User, Group) for httpd's children when it starts as root: www-data,
    or nobody where there is no www-data; None when not root (httpd keeps
    the user it runs as)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("www-data")
        return ("www-data", "www-data")
    except KeyError:
        return ("nobody", "nogroup")


def load_module_lines(names):
    """LoadModule lines for the modules named as in BASE_MODULES."""
    lines = []
    for name in names:
        if "mod_%s.c" % name in builtin_modules():
            lines.append("# %s_module is compiled in" % name)
        else:
            lines.append("LoadModule %s_module %s/mod_%s.so" % (
                name, MODULES_DIR, name))
    return lines


def _lines(text_or_lines):
    if not text_or_lines:
        return []
    if isinstance(text_or_lines, str):
        return text_or_lines.split("\n")
    return list(text_or_lines)


def _block(open_line, inner, close_line):
    return [open_line] + ["    " + ln if ln else ln
                          for ln in inner] + [close_line]


def render(*, root, listen, server_name, pid_file, runtime_dir, error_log,
           module_so, docroot, mpm="event", modules=BASE_MODULES,
           log_level="warn", user=None, mpm_tuning=(), server_lines=(),
           cgid_sock=None, types_config="/etc/mime.types", charset="off",
           access_log=None, log_format='%h %l %u %t \\"%r\\" %>s %b',
           vhost=None, site=(), threads=None, session=COOKIE_SESSION,
           locations=(), extra="",
           comment="Written by t/harness/httpdconf.py"):
    """The text of an httpd.conf.

    listen: addresses ("127.0.0.1:8080"); modules: names as in
    BASE_MODULES (the MPM and mod_threads_oauth, module_so, come on top);
    user: (User, Group) or None; mpm_tuning, server_lines, site, locations:
    lines (or text); access_log: a path, or None for no access log, with
    log_format; vhost: (address, ServerName) to put the site in a
    <VirtualHost>; threads: the module's directives, name -> value (None
    leaves one out), in order; session: the store's lines inside
    <Location /> after Session On, or None for no session at all; extra:
    text appended in server context."""
    if mpm not in MPMS:
        raise ValueError("mpm must be one of %s" % (MPMS,))
    out = [
        "# " + comment,
        'ServerRoot "%s"' % root,
        "ServerName %s" % server_name,
    ]
    out += ["Listen %s" % address for address in listen]
    out += [
        'PidFile "%s"' % pid_file,
        'DefaultRuntimeDir "%s"' % runtime_dir,
        'ErrorLog "%s"' % error_log,
        "LogLevel %s" % log_level,
        "",
        "LoadModule mpm_%s_module %s/mod_mpm_%s.so" % (mpm, MODULES_DIR, mpm),
    ]
    out += load_module_lines(modules)
    out.append('LoadModule threads_oauth_module "%s"' % module_so)
    if user:
        out += ["User %s" % user[0], "Group %s" % user[1]]
    out += _lines(mpm_tuning)
    out += _lines(server_lines)
    if cgid_sock:
        out.append('ScriptSock "%s"' % cgid_sock)
    out += [
        'TypesConfig "%s"' % types_config,
        "AddDefaultCharset %s" % charset,
    ]
    if access_log:
        out += ['LogFormat "%s" main' % log_format,
                'CustomLog "%s" main' % access_log]
    out += [
        "",
        "<Directory />",
        "    AllowOverride None",
        "    Require all denied",
        "</Directory>",
        "",
    ]

    body = ['DocumentRoot "%s"' % docroot] + _lines(site) + [""]
    for name, value in (threads or {}).items():
        if value is not None:
            body.append("%s %s" % (name, value))
    if session is not None:
        body += [""] + _block("<Location />",
                              ["Session On"] + _lines(session),
                              "</Location>")
    body += _lines(locations)
    if vhost:
        address, name = vhost
        body = _block("<VirtualHost %s>" % address,
                      ["ServerName %s" % name] + body, "</VirtualHost>")
    out += body
    out += ["", "# Extra configuration", extra, ""]
    return "\n".join(out)
