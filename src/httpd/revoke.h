/*
 * revoke.h: revocation through ThreadsRevocationCache: logins revoked by
 * Meta's callbacks and by logouts, states already used, so a copy of a
 * cookie cannot outlive what its owner did with another copy.
 */
#ifndef THREADS_HTTPD_REVOKE_H
#define THREADS_HTTPD_REVOKE_H

#include "httpd/module.h"

#include "core/token.h"

/* 1 when the server of r keeps revocations (ThreadsRevocationCache). */
int threads_revoke_enabled(request_rec *r);

/* 1 when the login t holds was revoked. One store lookup; a store that
 * fails counts as "not revoked" (logged once a minute), never as an
 * error. */
int threads_revoke_covers(request_rec *r, const threads_token_t *t);

/* Revokes every login of user_id up to now (Meta's callbacks, logout
 * everywhere). APR_SUCCESS, APR_ENOTIMPL without a store, or the store's
 * failure (logged). */
apr_status_t threads_revoke_user(request_rec *r, const char *user_id);

/* Revokes the one login t holds (logout), until its token expires. */
apr_status_t threads_revoke_login(request_rec *r, const threads_token_t *t);

/* Marks state used until until: APR_SUCCESS the first time, APR_EEXIST
 * when a copy of the cookie used it already. Without a store, or when the
 * store fails (logged), APR_SUCCESS: the cookie is then the only record. */
apr_status_t threads_revoke_use_state(request_rec *r, const char *state,
                                      apr_int64_t until);

#endif /* THREADS_HTTPD_REVOKE_H */
