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

/* Caps r's levels when the module handles r: the callback path, AuthType
 * Threads, a request whose Cookie header carries the module's values, and
 * every subrequest or internal redirect of such a request.
 * Run after each per-directory merge (translate_name, post_perdir_config):
 * a per-directory LogLevel replaces r->log. */
void threads_logcap_request(request_rec *r);

/* Caps r's levels when its session, whatever the store, holds the
 * module's values: mod_session writes that cookie back on pages the
 * module does not handle (SessionMaxAge), and core logs what it writes.
 * Run in fixups, after mod_session's has loaded the session. */
void threads_logcap_session(request_rec *r);

#endif /* THREADS_HTTPD_LOGCAP_H */
