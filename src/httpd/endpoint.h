/*
 * endpoint.h: the endpoints of the callback path, each chosen by the
 * query parameter that names it (callback.c dispatches).
 */
#ifndef THREADS_HTTPD_ENDPOINT_H
#define THREADS_HTTPD_ENDPOINT_H

#include "httpd/module.h"

/* The parsed callback request, handed to each endpoint. */
typedef struct {
    apr_table_t *params; /* decoded query parameters */
} threads_callback_t;

/* endpoint_finish.c: Threads sends the browser back. */
/* ?code=C&state=S: the user allowed; exchange the code for a token. */
int threads_endpoint_code(request_rec *r, threads_callback_t *cb);
/* ?error=…&state=S: the user cancelled, or Threads refused. */
int threads_endpoint_error(request_rec *r, threads_callback_t *cb);

/* endpoint_links.c: links of the site's own pages. */
/* ?login=<url>: the "Sign in with Threads" link of a page. */
int threads_endpoint_login(request_rec *r, threads_callback_t *cb);
/* ?logout=<url>[&everywhere=1]: forget every Threads value (and, with
 * ThreadsRevocationCache, end this login, or every login of the user, on
 * every server), then go to url. A cross-site navigation first asks. */
int threads_endpoint_logout(request_rec *r, threads_callback_t *cb);
/* ?info=json: who is logged in, never the token itself. */
int threads_endpoint_info(request_rec *r, threads_callback_t *cb);

/* endpoint_meta.c: Meta's callbacks (the App Dashboard's Deauthorize
 * callback URL and Data Deletion Requests URL). */
/* POST ?deauthorize, signed_request: the user removed the app. */
int threads_endpoint_deauthorize(request_rec *r, threads_callback_t *cb);
/* POST ?delete, signed_request: the user asks for their data to go. */
int threads_endpoint_delete(request_rec *r, threads_callback_t *cb);
/* GET ?deletion=<code>: the status of a deletion request. */
int threads_endpoint_deletion(request_rec *r, threads_callback_t *cb);

#endif /* THREADS_HTTPD_ENDPOINT_H */
