"""Structural rules of the module's C code that a compiler cannot check.

- every ap_log_*error call carries a THREADS_LOGNO, no ID is used twice,
  and README's table lists every ID;
- every directive field of the config structs is set in create (or left
  zero on purpose) and has a merge rule.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
problems = []

seen = {}
for path in sorted(ROOT.glob("*.c")):
    text = path.read_text()
    for m in re.finditer(r"ap_log_[rc]?error\s*\((.*?)\);", text, re.S):
        call = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        ids = re.findall(r"THREADS_LOGNO\((\d+)\)", call)
        if not ids:
            problems.append(f"{path.name}:{line}: log call without THREADS_LOGNO")
        for i in ids:
            if i in seen:
                problems.append(f"{path.name}:{line}: log ID {i} also at {seen[i]}")
            seen[i] = f"{path.name}:{line}"

readme = (ROOT / "README.md").read_text()
for i, where in sorted(seen.items()):
    if f"`THREADS{i}`" not in readme:
        problems.append(f"{where}: log ID THREADS{i} is not in README's table")

header = (ROOT / "threads_oauth.h").read_text()
config = (ROOT / "threads_config.c").read_text()


def fields(struct):
    body = re.search(r"typedef struct \{((?:(?!typedef struct).)*?)\} " + struct + ";",
                     header, re.S).group(1)
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
