/*
 * export.h: what the application sees (contract 5): the login handed over
 * as ThreadsPassAs says, and nothing a client forged.
 */
#ifndef THREADS_HTTPD_EXPORT_H
#define THREADS_HTTPD_EXPORT_H

#include "httpd/module.h"

#include "core/token.h"

/* Removes every client-sent X-Threads-* header (and, in a subrequest, the
 * CGI variables a parent already made of them). */
void threads_export_scrub(request_rec *r);

/* REMOTE_USER, AUTH_TYPE, the notes and, as ThreadsPassAs says, the
 * environment and request headers of a valid login. */
void threads_export_login(request_rec *r, const threads_token_t *t);

#endif /* THREADS_HTTPD_EXPORT_H */
