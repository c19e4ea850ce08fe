# The module's sources, shared by Makefile, Makefile.apxs and fuzz/Makefile.
#
#   src/core/   the protocol: APR, OpenSSL, libcurl (http.c only) and
#               jansson (json.c only); never an httpd header
#   src/httpd/  the glue: httpd's hooks, directives, session, pages
#   mod_threads_oauth.c  the module record and its hooks

CORE_SRCS   = $(wildcard src/core/*.c)
CORE_HDRS   = $(wildcard src/core/*.h)
HTTPD_SRCS  = $(wildcard src/httpd/*.c)
HTTPD_HDRS  = $(wildcard src/httpd/*.h)
MODULE_SRCS = mod_threads_oauth.c $(HTTPD_SRCS)
HEADERS     = $(CORE_HDRS) $(HTTPD_HDRS)
UNIT_SRCS   = $(wildcard t/unit/test_*.c) t/unit/unit_main.c
# Include paths: every file names its headers as "core/x.h" or "httpd/x.h".
SRC_INCLUDES = -Isrc
