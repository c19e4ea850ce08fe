/*
 * revocation.h: what ThreadsRevocationCache keeps of one user: logins
 * revoked before a time (Meta's callbacks, logout everywhere) and single
 * logins revoked by their id (logout), in one value, so the hot path reads
 * one entry per request.
 */
#ifndef THREADS_CORE_REVOCATION_H
#define THREADS_CORE_REVOCATION_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

/* Single revoked logins kept per user; one more revokes them all. */
#define THREADS_REVOKED_LOGINS_MAX 32

/* One revoked login, until its token would have expired. */
typedef struct {
    const char *login_id;
    apr_int64_t until; /* Unix seconds */
} threads_revoked_login_t;

typedef struct {
    apr_int64_t before;         /* logins at or before this are revoked; 0 */
    apr_int64_t before_until;   /* how long "before" must be kept */
    apr_array_header_t *logins; /* threads_revoked_login_t */
} threads_revocation_t;

/* An empty record. */
threads_revocation_t *threads_revocation_make(apr_pool_t *p);

/* The stored form ("1 <before> <before_until>", then one line per login),
 * and back: APR_EINVAL for anything this module did not write. */
char *threads_revocation_encode(apr_pool_t *p, const threads_revocation_t *rev);
apr_status_t threads_revocation_decode(apr_pool_t *p, const char *text,
                                       apr_size_t len,
                                       threads_revocation_t **rev);

/* 1 when the login that started at login_at with login_id is revoked. */
int threads_revocation_covers(const threads_revocation_t *rev,
                              apr_int64_t login_at, const char *login_id);

/* Revokes every login of the user up to now; kept until keep_until (when
 * the last token a login from before now can hold has expired), or longer
 * where a listed login needs it. */
void threads_revocation_add_user(threads_revocation_t *rev, apr_int64_t now,
                                 apr_int64_t keep_until);

/* Revokes one login until until (its token's expiry). Expired entries go
 * first; past THREADS_REVOKED_LOGINS_MAX the user's every login up to now
 * is revoked instead, kept until the longest of them. */
void threads_revocation_add_login(threads_revocation_t *rev,
                                  const char *login_id, apr_int64_t until,
                                  apr_int64_t now);

/* When the record may be forgotten: nothing it revokes can still be
 * valid. 0 when it revokes nothing. */
apr_int64_t threads_revocation_expiry(const threads_revocation_t *rev,
                                      apr_int64_t now);

#endif /* THREADS_CORE_REVOCATION_H */
