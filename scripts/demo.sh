#!/bin/sh
# Runs mod_threads_oauth in a local httpd with a small demo site:
#
#   scripts/demo.sh          start it (make demo: installs the packages and
#                            builds the module first)
#   scripts/demo.sh stop     stop the httpd and stand-in a start left running
#   scripts/demo.sh status   say whether they run
#
# The work is done by scripts/demo.py (see there for DEMO_PORT,
# DEMO_STANDIN_PORT, DEMO_DIR, APACHE2 and the THREADS_* variables of real
# Threads); this path stays for those who know it.
exec /usr/bin/python3 "$(dirname "$0")/demo.py" "$@"
