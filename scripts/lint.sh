#!/bin/sh
# Static checks run by make test: formatting, cppcheck, and the module's
# own structural rules (layout, log IDs, config merge coverage).
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
/usr/bin/python3 -m pyflakes t/*.py scripts/*.py

echo "lint: layout, log IDs and config merge"
/usr/bin/python3 scripts/check_structure.py
