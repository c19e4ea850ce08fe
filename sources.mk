# The module's sources, shared by Makefile and Makefile.apxs.

# The httpd glue.
MODULE_SRCS = mod_threads_oauth.c threads_config.c threads_session.c \
              threads_page.c threads_flow.c threads_authn.c threads_graph.c
# The protocol code (threads_core.h): APR, OpenSSL, libcurl, jansson only.
CORE_SRCS   = threads_util.c threads_seal.c threads_record.c \
              threads_json.c threads_http.c
HEADERS     = threads_core.h threads_oauth.h
UNIT_SRCS   = $(wildcard t/unit/test_*.c) t/unit/unit_main.c
