"""Structural rules of the module's C code that a compiler cannot check.

Layout:
- nothing under src/core/ includes an httpd header or anything of
  src/httpd/ (the core is APR only; the glue depends on it, never back);
- libcurl is included by src/core/http.c only, jansson by src/core/json.c
  only;
- no circle among the files of src/ and the module's root file, counting
  x.c and x.h as one unit;
- no C file is over 800 lines.
Logging:
- every ap_log_*error call carries a THREADS_LOGNO, no ID is used twice or
  is retired, every ID is below LOGNO_NEXT's next, and README's table
  lists every ID.
Configuration:
- every directive field of the config structs has a merge rule.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
MAX_LINES = 800
problems = []

c_files = sorted(SRC.rglob("*.c")) + [ROOT / "mod_threads_oauth.c"]
h_files = sorted(SRC.rglob("*.h"))
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
# httpd's own headers (APR's are apr_*.h and apu*.h).
HTTPD_HEADER = re.compile(r"^(httpd|http_\w+|ap_\w+|util_\w+|mod_\w+|"
                          r"scoreboard|mpm_common|unixd)\.h$")


def rel(path):
    return path.relative_to(ROOT).as_posix()


def includes(path):
    return [(kind, name) for kind, name in INCLUDE.findall(path.read_text())]


# -- layout -----------------------------------------------------------------

for path in c_files + h_files:
    name = rel(path)
    incs = includes(path)
    if name.startswith("src/core/"):
        for _, inc in incs:
            if HTTPD_HEADER.match(pathlib.PurePath(inc).name) or \
                    inc.startswith("httpd/"):
                problems.append(f"{name}: the core includes {inc}")
    for _, inc in incs:
        if inc.startswith("curl/") and name != "src/core/http.c":
            problems.append(f"{name}: includes libcurl ({inc}); only "
                            "src/core/http.c may")
        if inc == "jansson.h" and name != "src/core/json.c":
            problems.append(f"{name}: includes jansson; only src/core/json.c "
                            "may")
    if path.suffix == ".c":
        lines = path.read_text().count("\n")
        if lines > MAX_LINES:
            problems.append(f"{name}: {lines} lines, over {MAX_LINES}")


def unit_of(path_or_inc):
    """The unit a file or an include belongs to: src/core/x.c and
    src/core/x.h are both "core/x"."""
    text = str(path_or_inc)
    if text.startswith(str(SRC)):
        text = pathlib.Path(text).relative_to(SRC).as_posix()
    return re.sub(r"\.[ch]$", "", text)


graph = {}
for path in c_files + h_files:
    unit = unit_of(path) if path.is_relative_to(SRC) else "mod_threads_oauth"
    deps = graph.setdefault(unit, set())
    for kind, inc in includes(path):
        if kind == '"' and re.match(r"(core|httpd)/", inc):
            target = unit_of(inc)
            if target != unit:
                deps.add(target)
            if not (SRC / inc).exists():
                problems.append(f"{rel(path)}: includes {inc}, which does "
                                "not exist")

# Circles: a depth-first walk that reports each back edge once.
state = {}


def walk(unit, stack):
    state[unit] = "open"
    stack.append(unit)
    for dep in sorted(graph.get(unit, ())):
        if state.get(dep) == "open":
            circle = stack[stack.index(dep):] + [dep]
            problems.append("include circle: " + " -> ".join(circle))
        elif dep not in state:
            walk(dep, stack)
    stack.pop()
    state[unit] = "done"


for unit in sorted(graph):
    if unit not in state:
        walk(unit, [])

# -- log IDs ----------------------------------------------------------------

logno = (ROOT / "LOGNO_NEXT").read_text()
next_id = int(re.search(r"^next (\d+)", logno, re.M).group(1))
retired = set(re.findall(r"^retired ((?:\d+\s*)+)$", logno, re.M)[0].split()
              if re.search(r"^retired ", logno, re.M) else [])
seen = {}
for path in c_files:
    text = path.read_text()
    for m in re.finditer(r"ap_log_[rcp]?error\s*\((.*?)\);", text, re.S):
        call = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        where = f"{rel(path)}:{line}"
        ids = re.findall(r"THREADS_LOGNO\((\d+)\)", call)
        if not ids:
            problems.append(f"{where}: log call without THREADS_LOGNO")
        for i in ids:
            if i in seen:
                problems.append(f"{where}: log ID {i} also at {seen[i]}")
            if i in retired:
                problems.append(f"{where}: log ID {i} is retired")
            if int(i) >= next_id:
                problems.append(f"{where}: log ID {i} is not below "
                                f"LOGNO_NEXT's next ({next_id:05d})")
            seen[i] = where

readme = (ROOT / "README.md").read_text()
for i, where in sorted(seen.items()):
    if f"`THREADS{i}`" not in readme:
        problems.append(f"{where}: log ID THREADS{i} is not in README's table")

# -- configuration merge ----------------------------------------------------

header = (SRC / "httpd" / "config.h").read_text()
config = (SRC / "httpd" / "config.c").read_text()


def fields(struct):
    body = re.search(r"typedef struct \{((?:(?!typedef struct).)*?)\} "
                     + struct + ";", header, re.S).group(1)
    body = body.split("/* runtime */")[0]
    return re.findall(r"\b(\w+)(?:\[\d+\])?;", body)


for struct, merge in (("threads_server_conf_t", "threads_config_merge_server"),
                      ("threads_dir_conf_t", "threads_config_merge_dir")):
    func = re.search(merge + r"\(.*?\n\}", config, re.S).group(0)
    for field in fields(struct):
        if not re.search(r"\b" + field + r"\b", func):
            problems.append(f"{struct}.{field} has no merge rule in {merge}")

for p in problems:
    print("check_structure:", p)
sys.exit(1 if problems else 0)
