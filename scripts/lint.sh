#!/bin/sh
# Static checks run by make test: formatting, cppcheck, and the module's
# own structural rules (layout, log IDs, config merge coverage), the
# public httpd and APR API of what the built module calls, and the manual
# against the code's directive table and counters.
set -eu
cd "$(dirname "$0")/.."

C_FILES=$(ls *.c src/*/*.c src/*/*.h t/unit/*.c t/unit/*.h fuzz/*.c \
    fuzz/*.h 2>/dev/null)

echo "lint: clang-format"
clang-format --dry-run --Werror $C_FILES

echo "lint: cppcheck"
cppcheck -q --enable=warning,portability --error-exitcode=1 --std=c11 \
    --inline-suppr -Isrc -It/unit *.c src/*/*.c t/unit/*.c

echo "lint: pyflakes"
# Every Python file of the checkout (not the browser driver's node_modules).
PY_FILES=$(find . -name '*.py' -not -path './.git/*' \
    -not -path './t/browser/node_modules/*' | sort)
/usr/bin/python3 -m pyflakes $PY_FILES

echo "lint: the httpd and APR functions the module calls are public API"
/usr/bin/python3 scripts/check_symbols.py

echo "lint: layout, log IDs and config merge"
/usr/bin/python3 scripts/check_structure.py

echo "lint: the manual against the directive table and counters (scripts/docs.py)"
/usr/bin/python3 scripts/docs.py check

echo "lint: THREADS_VERSION against debian/changelog"
scripts/check-version.sh
