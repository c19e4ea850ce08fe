/*
 * login.h: starting a login (contract 3).
 */
#ifndef THREADS_HTTPD_LOGIN_H
#define THREADS_HTTPD_LOGIN_H

#include "httpd/module.h"

#include "core/scope.h"

/* Starts a login that comes back to return_url (local), asking for scope:
 * a pending login in the session and a 302 to the Authorization Window.
 * Returns DONE, or a status when the session cannot hold it. */
int threads_login_start(request_rec *r, const char *return_url,
                        const threads_scope_t *scope);

/* The local URL of this request (path and query) to come back to; "/"
 * when it is too long to keep or not local. */
const char *threads_login_return_url(request_rec *r);

/* The "Sign in with Threads" link for a return URL:
 * <callback path>?login=<url>. */
const char *threads_login_link(request_rec *r, const char *return_url);

#endif /* THREADS_HTTPD_LOGIN_H */
