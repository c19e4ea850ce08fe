/*
 * authn.h: AuthType Threads on the request path: the hooks.
 */
#ifndef THREADS_HTTPD_AUTHN_H
#define THREADS_HTTPD_AUTHN_H

#include "httpd/module.h"

/* header_parser: removes client-sent X-Threads-* headers. */
int threads_authn_header_parser(request_rec *r);
/* check_authn: logged in, or a login started, or 401. */
int threads_authn_check_user(request_rec *r);
/* fixups: a valid login for requests that needed no authentication, and
 * the error variables for ErrorDocuments. */
int threads_authn_fixups(request_rec *r);

#endif /* THREADS_HTTPD_AUTHN_H */
