/*
 * token.h: the logged-in state the module keeps in the session, in its
 * text form (sealed before it is stored).
 */
#ifndef THREADS_CORE_TOKEN_H
#define THREADS_CORE_TOKEN_H

#include "apr.h"
#include "apr_pools.h"

#include "core/json.h"

typedef enum {
    THREADS_TOKEN_SHORT = 0,
    THREADS_TOKEN_LONG = 1
} threads_token_type_e;

/* The logged-in state, sealed as one session value. */
typedef struct {
    const char *access_token;
    const char *user_id;       /* decimal digits */
    apr_int64_t expires_at;    /* Unix seconds */
    apr_int64_t issued_at;     /* when this token was obtained (refresh) */
    apr_int64_t login_at;      /* when the user logged in (revocation) */
    const char *login_id;      /* this login's random id (revocation), or
                                  NULL in a record without one */
    apr_int64_t refresh_after; /* no refresh try before this; 0: any time */
    threads_token_type_e type;
    const char *scope;    /* comma-joined, as the login asked */
    const char *username; /* NULL when unknown */
    const char *name;     /* NULL when unknown */
} threads_token_t;

/* A new login id: 128 bits from the system's CSPRNG, base64url. */
apr_status_t threads_token_new_login_id(apr_pool_t *p, const char **id);

/* "short" or "long". */
const char *threads_token_type_name(threads_token_type_e type);

/* Versioned text form; every field is percent-encoded. NULL when t lacks
 * the token or the user id. */
char *threads_token_encode(apr_pool_t *p, const threads_token_t *t);
/* APR_EINVAL unless the text is a complete, valid record (token and user
 * id present and well formed, times positive). */
apr_status_t threads_token_decode(apr_pool_t *p, const char *s,
                                  threads_token_t *t);

/* A copy of t, every string of it in p. */
threads_token_t *threads_token_copy(apr_pool_t *p, const threads_token_t *t);

/* Puts a token answer into t: the token, its type, issued now, and its
 * expiry from expires_in (at most THREADS_TOKEN_LIFETIME_MAX) or, without
 * one, the type's usual lifetime. A retry time of a failed refresh is
 * cleared. */
void threads_token_apply(threads_token_t *t, const threads_token_reply_t *reply,
                         threads_token_type_e type, apr_int64_t now);

#endif /* THREADS_CORE_TOKEN_H */
