#!/usr/bin/python3
"""The manual and what else is written from docs/directives.py.

  scripts/docs.py build   write docs/mod_threads_oauth.html,
                          conf/threads_oauth.conf and README.md's table of
                          directives (make docs)
  scripts/docs.py check   fail when docs/directives.py and the directive
                          table of src/httpd/config.c disagree, or when one
                          of those files is not what build would write
                          (make lint)

The check compares, directive by directive, with threads_config_cmds: the
name of every AP_INIT_* line, its context (RSRC_CONF is "server",
OR_AUTHCFG | RSRC_CONF is "dir"), its kind (TAKE1, FLAG, ...) and the
arguments the documented syntax shows for that kind; and each documented
default with its THREADS_DEFAULT_* in src/httpd/config.h. The manual's
endpoint, variable and log message tables come from README.md's own
tables, so they have one source too. Every counter of
src/httpd/counters.c (threads_counter_info) must have its row in the
manual, under its server-status key and Prometheus name, and no row may
name a counter the code lacks. Python standard
library only.
"""

import html
import os
import re
import runpy
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = "docs/directives.py"
MANUAL = "docs/mod_threads_oauth.html"
CONF = "conf/threads_oauth.conf"
README = "README.md"
CONFIG_C = "src/httpd/config.c"
CONFIG_H = "src/httpd/config.h"
MODULE_H = "src/httpd/module.h"
COUNTERS_C = "src/httpd/counters.c"
METRIC_PREFIX = "threads_oauth_"
DOC_DIR = "/usr/share/doc/libapache2-mod-threads-oauth"
README_BEGIN = ("<!-- The table of directives is written by make docs from "
                "docs/directives.py: edit that file. -->")
README_END = "<!-- End of the table of directives. -->"
HTTPD_DOCS = "https://httpd.apache.org/docs/2.4/mod/"

KEYS = {"name", "args", "context", "syntax", "default", "default_note",
        "default_macro", "description", "summary", "text", "conf"}
REQUIRED = {"name", "args", "context", "syntax", "default", "description",
            "summary"}
# The contexts the documentation knows: the command_rec flags of each, and
# what httpd's manuals write for it.
CONTEXTS = {
    "server": ({"RSRC_CONF"}, "server config, virtual host", None),
    "dir": ({"OR_AUTHCFG", "RSRC_CONF"},
            "server config, virtual host, directory, .htaccess",
            "AuthConfig"),
}
# (required, optional) arguments of each AP_INIT_ kind; None: any.
ARITY = {"NO_ARGS": (0, 0), "FLAG": (1, 0), "TAKE1": (1, 0),
         "TAKE2": (2, 0), "TAKE3": (3, 0), "TAKE12": (1, 1),
         "TAKE13": (1, 2), "TAKE23": (2, 1), "TAKE123": (1, 2),
         "RAW_ARGS": None, "ITERATE": None, "ITERATE2": None}


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def load_source():
    return runpy.run_path(os.path.join(ROOT, SOURCE))


def version():
    m = re.search(r'#define\s+THREADS_VERSION\s+"([^"]+)"', read(MODULE_H))
    return m.group(1)


# -- the code's directive table ---------------------------------------------

def split_args(text):
    """text split at the commas outside parentheses and strings."""
    parts, depth, cur, i = [], 0, "", 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        parts.append(cur.strip())
    return parts


def code_directives():
    """[(name, kind, set of context flags, line)] of threads_config_cmds."""
    text = read(CONFIG_C)
    defines = dict(re.findall(r"^#define\s+(\w+)\s+(.+?)\s*$", text, re.M))
    m = re.search(r"threads_config_cmds\[\]\s*=\s*\{(.*?)\{\s*NULL\s*\}",
                  text, re.S)
    if not m:
        sys.exit("docs: no threads_config_cmds table in " + CONFIG_C)
    start = text.count("\n", 0, m.start(1)) + 1
    out = []
    for e in re.finditer(r"AP_INIT_(\w+)\s*\(", m.group(1)):
        depth, j = 1, e.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(m.group(1)[j], 0)
            j += 1
        args = split_args(m.group(1)[e.end():j - 1])
        line = start + m.group(1).count("\n", 0, e.start())
        context = args[3]
        for _ in range(5):
            context = re.sub(r"\b[A-Z]\w*\b",
                             lambda w: defines.get(w.group(0), w.group(0)),
                             context)
        flags = set(re.findall(r"\b[A-Z_]+\b", context))
        out.append((args[0].strip('"'), e.group(1), flags, line))
    return out


def code_defaults():
    """THREADS_DEFAULT_* of config.h: name -> value as text."""
    return {k: v.strip('"') for k, v in re.findall(
        r"^#define\s+(THREADS_DEFAULT_\w+)\s+(\S+)", read(CONFIG_H), re.M)}


def syntax_words(syntax):
    """The argument words after the name, optional ones as [..]."""
    words, depth, cur = [], 0, ""
    for c in syntax.split(None, 1)[1] if " " in syntax else "":
        depth += {"[": 1, "<": 1, "]": -1, ">": -1}.get(c, 0)
        if c.isspace() and depth == 0:
            if cur:
                words.append(cur)
            cur = ""
        else:
            cur += c
    return words + ([cur] if cur else [])


def code_counters():
    """{server-status key: Prometheus sample without the prefix} of
    threads_counter_info; the calls' count and time, which the metrics
    handler shows as the histogram's _count and _sum, as those."""
    text = read(COUNTERS_C)
    out = {}
    for m in re.finditer(r'\[(THREADS_C_\w+)\]\s*=\s*\{\s*"(\w+)",\s*'
                         r'(?:NULL|"(\w+)"),\s*(?:NULL|"(\w+)"),\s*"(\w+)"',
                         text):
        which, metric, label, value, key = m.groups()
        if which == "THREADS_C_CALLS":
            metric = "threads_call_duration_seconds_count"
        elif which == "THREADS_C_CALL_MS_TOTAL":
            metric = "threads_call_duration_seconds_sum"
        elif label:
            metric += '{%s="%s"}' % (label, value)
        out[key] = metric
    if not out:
        sys.exit("docs: no threads_counter_info table in " + COUNTERS_C)
    return out


def compare_counters(src):
    """The counters of the code that the manual lacks or names otherwise,
    and the manual's rows of counters the code does not have."""
    docs = {key: metric for key, metric, _ in src["COUNTERS"]}
    code = code_counters()
    problems = []
    if len(docs) != len(src["COUNTERS"]):
        problems.append("%s: a counter is listed twice in COUNTERS" % SOURCE)
    for key in sorted(set(docs) - set(code)):
        problems.append("%s: COUNTERS lists %s, which %s does not count"
                        % (SOURCE, key, COUNTERS_C))
    for key, metric in code.items():
        if key not in docs:
            problems.append("%s: the counter %s is not in COUNTERS of %s"
                            % (COUNTERS_C, key, SOURCE))
        elif docs[key] != metric:
            problems.append("%s: the counter %s is %s%s, %s says %s%s"
                            % (COUNTERS_C, key, METRIC_PREFIX, metric,
                               SOURCE, METRIC_PREFIX, docs[key]))
    return problems


def compare(src):
    """What docs/directives.py and the code disagree on."""
    problems = compare_counters(src)
    docs = {d["name"]: d for d in src["DIRECTIVES"]}
    code = {c[0]: c for c in code_directives()}
    defaults = code_defaults()
    for d in src["DIRECTIVES"]:
        name = d.get("name", "?")
        for key in sorted(REQUIRED - set(d)):
            problems.append("%s: %s has no %s" % (SOURCE, name, key))
        for key in sorted(set(d) - KEYS):
            problems.append("%s: %s: unknown key %s" % (SOURCE, name, key))
    if len(docs) != len(src["DIRECTIVES"]):
        problems.append("%s: a directive is listed twice" % SOURCE)
    for name in code:
        if name not in docs:
            problems.append("%s:%d: %s is not documented: add it to %s"
                            % (CONFIG_C, code[name][3], name, SOURCE))
    for name, d in docs.items():
        if name not in code:
            problems.append("%s: %s is not in the directive table of %s"
                            % (SOURCE, name, CONFIG_C))
            continue
        _, kind, flags, line = code[name]
        where = "%s:%d: %s" % (CONFIG_C, line, name)
        if d["args"] != kind:
            problems.append("%s is AP_INIT_%s, %s says %s"
                            % (where, kind, SOURCE, d["args"]))
        if d["context"] not in CONTEXTS:
            problems.append("%s: %s: context must be one of %s"
                            % (SOURCE, name, ", ".join(CONTEXTS)))
        elif CONTEXTS[d["context"]][0] != flags:
            problems.append("%s has context %s, %s says %s (%s)"
                            % (where, " | ".join(sorted(flags)), SOURCE,
                               d["context"],
                               " | ".join(sorted(CONTEXTS[d["context"]][0]))))
        if not d["syntax"].startswith(name + " ") and d["syntax"] != name:
            problems.append("%s: the syntax of %s must start with its name"
                            % (SOURCE, name))
        words = syntax_words(d["syntax"])
        arity = ARITY.get(kind)
        if arity is not None:
            optional = [w for w in words if w.startswith("[")]
            if (len(words) - len(optional), len(optional)) != arity:
                problems.append(
                    "%s: the syntax of %s shows %d required and %d "
                    "optional arguments; AP_INIT_%s takes %d and %d"
                    % (SOURCE, name, len(words) - len(optional),
                       len(optional), kind, arity[0], arity[1]))
        if kind == "FLAG" and words != ["On|Off"]:
            problems.append("%s: %s is a flag: its syntax ends in On|Off"
                            % (SOURCE, name))
        macro = d.get("default_macro")
        if macro and defaults.get(macro) != d["default"]:
            problems.append("%s: the default of %s is %r, %s says %r"
                            % (CONFIG_H, name, defaults.get(macro), SOURCE,
                               d["default"]))
    return problems


# -- Markdown-lite ------------------------------------------------------------

class Inline:
    """Turns `code`, **strong** and [text](#anchor) into HTML, linking
    directive names and log IDs to their place in the manual."""

    def __init__(self, directives, anchors):
        self.directives = {d.lower(): d for d in directives}
        self.anchors = anchors

    def code(self, text):
        first = re.split(r"[\s:]", text, 1)[0]
        inner = html.escape(text)
        if first.lower() in self.directives:
            return ('<code class="directive"><a href="#%s">%s</a></code>'
                    % (first.lower(), inner))
        if re.fullmatch(r"THREADS\d{5}", text) and \
                text.lower() in self.anchors:
            return '<a href="#%s"><code>%s</code></a>' % (text.lower(),
                                                          inner)
        return "<code>%s</code>" % inner

    def text(self, text):
        out = html.escape(text, quote=False)
        out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)

        def link(m):
            if m.group(2) in self.anchors:
                return '<a href="#%s">%s</a>' % (m.group(2), m.group(1))
            return m.group(1)

        return re.sub(r"\[([^\]]+)\]\(#([\w-]+)\)", link, out)

    def __call__(self, text):
        text = text.replace("\\|", "|")
        parts = re.split(r"`([^`]*)`", text)
        return "".join(self.code(p) if i % 2 else self.text(p)
                       for i, p in enumerate(parts))


def blocks(text, inline):
    """Paragraphs, "- " lists and indented examples as HTML."""
    lines = textwrap.dedent(text).strip("\n").split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("    "):
            code = []
            while i < len(lines) and (lines[i].startswith("    ") or
                                      (not lines[i].strip() and
                                       i + 1 < len(lines) and
                                       lines[i + 1].startswith("    "))):
                code.append(lines[i][4:])
                i += 1
            out.append('<pre class="prettyprint lang-config">%s</pre>'
                       % html.escape("\n".join(code), quote=False))
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith(("- ", "  ")):
                if lines[i].startswith("- "):
                    items.append(lines[i][2:])
                else:
                    items[-1] += " " + lines[i].strip()
                i += 1
            out.append("<ul>\n%s\n</ul>" % "\n".join(
                "<li>%s</li>" % inline(t) for t in items))
        else:
            para = []
            while i < len(lines) and lines[i].strip() and \
                    not lines[i].startswith(("    ", "- ")):
                para.append(lines[i].strip())
                i += 1
            out.append("<p>%s</p>" % inline(" ".join(para)))
    return "\n".join(out)


# -- README's tables ------------------------------------------------------------

def readme_table(readme, heading, first_cell):
    """The rows (lists of cells) of the table under ## heading whose
    header's first cell is first_cell; header row first."""
    m = re.search(r"^## %s\n(.*?)(?=^## |\Z)" % re.escape(heading), readme,
                  re.S | re.M)
    if not m:
        sys.exit("docs: README.md has no section ## " + heading)
    rows, inside = [], False
    for line in m.group(1).split("\n"):
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not inside:
                inside = cells[0] == first_cell
                if not inside:
                    continue
            if not re.fullmatch(r"[-:| ]+", line):
                rows.append(cells)
        elif inside:
            break
    if not rows:
        sys.exit("docs: README.md's ## %s has no table starting with %s"
                 % (heading, first_cell))
    return rows


def html_table(rows, inline, row_ids=False):
    head = "".join("<th>%s</th>" % inline(c) for c in rows[0])
    body = []
    for cells in rows[1:]:
        rid = ""
        if row_ids:
            rid = ' id="%s"' % cells[0].strip("`").lower()
        body.append("<tr%s>%s</tr>" % (rid, "".join(
            "<td>%s</td>" % inline(c) for c in cells)))
    return ('<table class="bordered">\n<tr>%s</tr>\n%s\n</table>'
            % (head, "\n".join(body)))


# -- the manual -------------------------------------------------------------------

STYLE = """
body { font-family: sans-serif; max-width: 60em; margin: 0 auto;
       padding: 0 1em 2em; color: #000; background: #fff; }
#page-header { border-bottom: 1px solid #405871; margin-bottom: 1em; }
#page-header p { margin: 0.3em 0; color: #405871; }
h1 { color: #405871; font-size: 1.6em; }
h2 { color: #405871; background: #e5ecf3; padding: 0.2em 0.4em;
     font-size: 1.25em; margin-top: 2em; }
h3 { color: #405871; font-size: 1.1em; }
code, pre { font-family: monospace; }
code.directive a, a code { color: inherit; }
pre { background: #f4f4f4; border: 1px solid #ccc; padding: 0.6em;
      overflow-x: auto; }
table.module, table.directive { border: 1px solid #aaa;
     background: #f0f0f0; border-collapse: collapse; margin: 0.5em 0; }
table.module th, table.directive th { text-align: left; padding: 0.2em
     0.6em; white-space: nowrap; vertical-align: top; }
table.module td, table.directive td { padding: 0.2em 0.6em; }
table.bordered { border-collapse: collapse; margin: 0.5em 0; }
table.bordered th, table.bordered td { border: 1px solid #aaa;
     padding: 0.2em 0.5em; vertical-align: top; text-align: left; }
#quickview { float: right; width: 17em; margin: 0 0 1em 1em;
     padding: 0.5em; background: #f0f0f0; border: 1px solid #aaa; }
#quickview ul { padding-left: 1.2em; margin: 0.3em 0; }
#quickview h3 { margin: 0.3em 0; }
div.top { text-align: right; font-size: 0.8em; }
div.section, div.directive-section { clear: both; }
table.bordered td { overflow-wrap: anywhere; }
"""


def syntax_html(syntax):
    parts = re.split(r"<([^<>]+)>", syntax)
    return "".join(("<var>%s</var>" if i % 2 else "%s") % html.escape(p)
                   for i, p in enumerate(parts))


def default_html(d, inline):
    if d["default"] is not None:
        out = "<code>%s %s</code>" % (d["name"], html.escape(d["default"]))
        if d.get("default_note"):
            out += " (%s)" % inline(d["default_note"])
        return out
    if d.get("default_note"):
        return inline(d["default_note"])
    return None


def directive_html(d, inline):
    context, override = CONTEXTS[d["context"]][1:]
    rows = [("Description", inline(d["description"])),
            ("Syntax", "<code>%s</code>" % syntax_html(d["syntax"])),
            ("Default", default_html(d, inline)),
            ("Context", context),
            ("Override", override),
            ("Status", "External"),
            ("Module", "mod_threads_oauth")]
    table = "\n".join(
        '<tr><th><a href="%sdirective-dict.html#%s">%s:</a></th>'
        "<td>%s</td></tr>" % (HTTPD_DOCS, k, k, v)
        for k, v in rows if v is not None)
    anchor = d["name"].lower()
    prose = blocks(d["summary"] + "\n\n" + d.get("text", ""), inline)
    return ('<div class="top"><a href="#page-header">top</a></div>\n'
            '<div class="directive-section"><h2><a id="%s">%s</a> '
            "Directive</h2>\n"
            '<table class="directive">\n%s\n</table>\n%s\n</div>'
            % (anchor, d["name"], table, prose))


def section(anchor, title, body):
    return ('<div class="top"><a href="#page-header">top</a></div>\n'
            '<div class="section">\n<h2><a id="%s">%s</a></h2>\n%s\n</div>'
            % (anchor, html.escape(title), body))


def counters_rows(src):
    """The manual's table of counters, header row first."""
    return [["server-status key", "Prometheus", "Counts"]] + [
        ["`%s`" % key, "`%s%s`" % (METRIC_PREFIX, metric), what]
        for key, metric, what in src["COUNTERS"]]


def manual(src, readme):
    mod = src["MODULE"]
    directives = src["DIRECTIVES"]
    endpoints = readme_table(readme, "The callback endpoint", "Request")
    variables = readme_table(readme, "What the application sees",
                             "Variable / note")
    errors = readme_table(readme, "Error pages and ErrorDocument",
                          "`THREADS_ERROR`")
    logs = readme_table(readme, "Log messages", "ID")
    topics = [("example", "Quick example"),
              ("endpoints", "The callback endpoint"),
              ("variables", "Variables"),
              ("status", "Status: server-status and Prometheus"),
              ("logs", "Log messages")]
    anchors = ({a for a, _ in topics} | {d["name"].lower() for d in directives}
               | {r[0].strip("`").lower() for r in logs[1:]})
    inline = Inline([d["name"] for d in directives], anchors)

    head = "\n".join(
        '<tr><th><a href="%smodule-dict.html#%s">%s:</a></th>'
        "<td>%s</td></tr>" % (HTTPD_DOCS, k.replace(" ", ""), k, v)
        for k, v in (("Description", inline(mod["description"])),
                     ("Status", "External"),
                     ("Module Identifier", mod["identifier"]),
                     ("Source File", mod["source"]),
                     ("Compatibility", inline(mod["compatibility"]))))
    quick = ('<div id="quickview"><h3>Directives</h3>\n<ul>\n%s\n</ul>\n'
             "<h3>Topics</h3>\n<ul>\n%s\n</ul>\n</div>" % (
                 "\n".join('<li><a href="#%s">%s</a></li>'
                           % (d["name"].lower(), d["name"])
                           for d in directives),
                 "\n".join('<li><a href="#%s">%s</a></li>' % t
                           for t in topics)))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>%s - Apache HTTP Server Version 2.4</title>" % mod["name"],
        "<style>%s</style>" % STYLE,
        "</head>",
        "<body>",
        "<!-- Written by scripts/docs.py from %s and the tables of "
        "README.md: make docs. -->" % SOURCE,
        '<div id="page-header">',
        "<p>Apache HTTP Server Version 2.4 &#8212; third-party module "
        "%s %s</p>" % (mod["name"], version()),
        "</div>",
        '<div id="preamble">',
        "<h1>Apache Module %s</h1>" % mod["name"],
        '<table class="module">\n%s\n</table>' % head,
        "<h3>Summary</h3>",
        quick,
        blocks(src["SUMMARY"], inline),
        "</div>",
        section("example", "Quick example",
                blocks(src["QUICK_EXAMPLE"], inline)),
        section("endpoints", "The callback endpoint",
                blocks(src["ENDPOINTS"], inline) + "\n"
                + html_table(endpoints, inline)),
        section("variables", "Variables",
                blocks(src["VARIABLES"], inline) + "\n"
                + html_table(variables, inline) + "\n"
                + blocks(src["ERROR_VARIABLES"], inline) + "\n"
                + html_table(errors, inline)),
        section("status", "Status: server-status and Prometheus",
                blocks(src["STATUS"], inline) + "\n"
                + html_table(counters_rows(src), inline)),
        section("logs", "Log messages",
                blocks(src["LOG_MESSAGES"], inline) + "\n"
                + html_table(logs, inline, row_ids=True)),
    ]
    parts += [directive_html(d, inline) for d in directives]
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


# -- conf/threads_oauth.conf ---------------------------------------------------------

def comment(text, indent=""):
    return [indent + "# " + ln if ln else indent + "#" for ln in
            textwrap.wrap(text, 76 - len(indent))]


def conf(src):
    out = [
        "# mod_threads_oauth: the module's server-wide settings, every one "
        "commented",
        "# out with its default. Debian installs this file as",
        "# /etc/apache2/mods-available/threads_oauth.conf; a2enmod "
        "threads_oauth",
        "# enables it with the module.",
        "#",
        "# Written by scripts/docs.py from docs/directives.py (make docs). "
        "The manual:",
        "# %s/mod_threads_oauth.html" % DOC_DIR,
        "#",
    ]
    out += comment(
        "A site needs ThreadsAppId, ThreadsAppSecret and ThreadsRedirectUri,"
        " usually in the <VirtualHost> that answers for the host of "
        "ThreadsRedirectUri (a virtual host inherits what it does not set "
        "from the main server), plus Session On and a session store, and "
        "AuthType Threads where logins are required. Nothing happens until "
        "then.")
    out += ["", "<IfModule threads_oauth_module>"]
    for d in src["DIRECTIVES"]:
        if d["context"] != "server":
            continue
        if out[-1] != "<IfModule threads_oauth_module>":
            out.append("")
        words = d["description"].rstrip(".") + "."
        if d["default"] is None:
            words += (" Default: %s." % d["default_note"]
                      if d.get("default_note") else " No default.")
        elif d.get("default_note"):
            words += " Default: %s (%s)." % (d["default"],
                                             d["default_note"])
        out += comment(words, "    ")
        value = d["default"] if d["default"] is not None else d.get(
            "conf", " ".join(syntax_words(d["syntax"])))
        out.append("    #%s %s" % (d["name"], value))
    out += ["</IfModule>", ""]
    out += comment(
        "Per-directory directives go next to AuthType Threads in "
        "<Location>, <Directory>, <Files> or .htaccess (with AllowOverride "
        "AuthConfig), or in server context for every location:")
    for d in src["DIRECTIVES"]:
        if d["context"] != "dir":
            continue
        out += ["#", "#   %s" % d["syntax"]]
        out += ["#     " + ln for ln in textwrap.wrap("%s. Default: %s." % (
            d["description"].rstrip("."), d["default"]), 70)]
    out += ["", "# vim: syntax=apache ts=4 sw=4 sts=4 sr et", ""]
    return "\n".join(ln.rstrip() for ln in out)


# -- README's table ---------------------------------------------------------------------

def readme_rows(src):
    def cell(text):
        return text.replace("|", "\\|")

    rows = ["| Directive | Context | Default | Meaning |",
            "|---|---|---|---|"]
    for d in src["DIRECTIVES"]:
        if d["default"] is not None:
            default = "`%s`" % d["default"]
            if d.get("default_note"):
                default += " (%s)" % d["default_note"]
        else:
            default = d.get("default_note") or "—"
        rows.append("| `%s` | %s | %s | %s |" % (
            cell(d["syntax"]), d["context"], cell(default),
            d["summary"].replace("|", "\\|").replace("`\\|`", "`|`")))
    return "\n".join(rows)


def readme_with_table(src, readme):
    pattern = re.compile(re.escape(README_BEGIN) + r"\n.*?" +
                         re.escape(README_END), re.S)
    if not pattern.search(readme):
        sys.exit("docs: README.md lacks the lines that enclose the table "
                 "of directives:\n  %s\n  %s" % (README_BEGIN, README_END))
    return pattern.sub(lambda m: "%s\n%s\n%s" % (
        README_BEGIN, readme_rows(src), README_END), readme)


# -- the commands -----------------------------------------------------------------------

def outputs(src):
    """{file: the text build writes}; README.md's table first, since the
    manual reads README's other tables."""
    readme = readme_with_table(src, read(README))
    return {README: readme, MANUAL: manual(src, readme), CONF: conf(src)}


def current(rel):
    """The text of rel, None when there is no such file."""
    if not os.path.exists(os.path.join(ROOT, rel)):
        return None
    return read(rel)


def main(argv):
    if argv not in (["build"], ["check"]):
        sys.exit(__doc__.split("\n\n")[1])
    src = load_source()
    problems = compare(src)
    if argv == ["build"]:
        if problems:
            sys.exit("\n".join("docs: " + p for p in problems))
        for rel, text in outputs(src).items():
            if current(rel) != text:
                with open(os.path.join(ROOT, rel), "w",
                          encoding="utf-8") as f:
                    f.write(text)
                print("docs: wrote", rel)
        return 0
    if not problems:
        for rel, text in outputs(src).items():
            if current(rel) != text:
                problems.append("%s is not what %s says: run make docs"
                                % (rel, SOURCE))
    for p in problems:
        print("docs:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
