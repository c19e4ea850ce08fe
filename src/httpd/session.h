/*
 * session.h: the module's sealed values in mod_session: the token record
 * and the pending logins.
 */
#ifndef THREADS_HTTPD_SESSION_H
#define THREADS_HTTPD_SESSION_H

#include "httpd/module.h"

#include "core/pending.h"
#include "core/token.h"

/* Looks up mod_session's functions; APR_ENOTIMPL when it is not loaded. */
apr_status_t threads_session_init(void);
/* The token kept in the session, opened and decoded; NULL when there is
 * none, or it does not open (tampered, other key): "not logged in". Does
 * not look at the expiry. */
threads_token_t *threads_session_read_token(request_rec *r);
apr_status_t threads_session_write_token(request_rec *r,
                                         const threads_token_t *t);
/* Pending logins, oldest first; never NULL. */
apr_array_header_t *threads_session_read_pending(request_rec *r);
/* Writes the list, dropping the oldest entries until the session stays
 * within the cookie budget. */
apr_status_t threads_session_write_pending(request_rec *r,
                                           apr_array_header_t *list);
/* Removes every value of the module from the session. */
apr_status_t threads_session_clear(request_rec *r);
/* 1 when mod_session can keep the module's values for r; else 0, with an
 * error-level line that names what is missing (Session On, or a store)
 * and the path. */
int threads_session_require(request_rec *r);
/* 1 when r's Cookie headers carry the module's values (a session that
 * mod_session_cookie keeps in the cookie): a cookie that is a credential,
 * which mod_session may write back on any request. */
int threads_session_in_cookies(request_rec *r);
/* 1 when r's session (loaded, whatever the store) holds the module's
 * values: its cookie is a credential (the values, or a session id). */
int threads_session_holds_values(request_rec *r);

#endif /* THREADS_HTTPD_SESSION_H */
