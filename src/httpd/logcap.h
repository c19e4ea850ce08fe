/*
 * logcap.h: keeping httpd's own modules from logging the module's secrets.
 */
#ifndef THREADS_HTTPD_LOGCAP_H
#define THREADS_HTTPD_LOGCAP_H

#include "httpd/module.h"

/* Finds the modules to cap and caps the server-wide levels of every
 * server (main_server and its virtual hosts), with one notice that names
 * the caps. post_config only, when the module is configured somewhere. */
void threads_logcap_setup(apr_pool_t *pconf, server_rec *main_server);

/* Caps r's levels when the module handles r or r carries its values:
 * the callback path, AuthType Threads, a Cookie header or (with_session)
 * a loaded session that holds the module's values, and every subrequest
 * or internal redirect of such a request. Run after each per-directory
 * merge (translate_name, post_perdir_config), since a per-directory
 * LogLevel replaces r->log; with_session where the configuration is
 * final (post_perdir_config, fixups) or the answer is an error that
 * mod_session may still write the session into (insert_error_filter). */
void threads_logcap_request(request_rec *r, int with_session);

#endif /* THREADS_HTTPD_LOGCAP_H */
