/*
 * pending.h: started logins waiting for their callback, and their states.
 */
#ifndef THREADS_CORE_PENDING_H
#define THREADS_CORE_PENDING_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

/* A started login waiting for its callback. */
typedef struct {
    const char *state;      /* 32 base64url characters */
    apr_int64_t created;    /* Unix seconds */
    const char *scope;      /* comma-joined, what was asked for */
    const char *return_url; /* local URL to go back to */
} threads_pending_t;

/* Pending logins are an apr_array_header_t of threads_pending_t, oldest
 * first, in a compact versioned text form (sealed before it is stored). */
char *threads_pending_encode(apr_pool_t *p, const apr_array_header_t *list);
/* Never NULL: garbage gives an empty list, bad entries are skipped. */
apr_array_header_t *threads_pending_decode(apr_pool_t *p, const char *s);
/* Finds state (comparing against every entry in constant time), removes it
 * from list and copies it to *out. Returns 1 when found. */
int threads_pending_take(apr_array_header_t *list, const char *state,
                         threads_pending_t *out);
/* Drops entries older than timeout seconds or created in the future, then
 * the oldest beyond THREADS_PENDING_MAX. */
void threads_pending_prune(apr_array_header_t *list, apr_int64_t now,
                           apr_int64_t timeout);
/* A new state: THREADS_STATE_BYTES from the system's CSPRNG, base64url. */
apr_status_t threads_state_generate(apr_pool_t *p, char **state);

#endif /* THREADS_CORE_PENDING_H */
