/*
 * query.h: application/x-www-form-urlencoded text, read and written.
 */
#ifndef THREADS_CORE_QUERY_H
#define THREADS_CORE_QUERY_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

typedef enum {
    THREADS_QUERY_OK = 0,
    THREADS_QUERY_TOO_LONG,  /* a value is over max_value bytes */
    THREADS_QUERY_DUPLICATE, /* a name appears twice */
    THREADS_QUERY_MALFORMED  /* bad %-escape, encoded NUL, empty name */
} threads_query_status_e;

/* Parses a query (r->args; NULL or "" gives an empty table) into a table
 * of decoded name -> value. A name without '=' has the value "". On
 * failure *bad_name (if not NULL) names the offending parameter (decoded,
 * cut to 64 bytes, non-printable bytes as '?'). */
threads_query_status_e threads_query_parse(apr_pool_t *p, const char *query,
                                           apr_size_t max_value,
                                           apr_table_t **out,
                                           const char **bad_name);

/* name=value&... with threads_url_encode on both sides, from a
 * NULL-terminated list of name, value pairs. A NULL value skips the pair. */
char *threads_form_encode(apr_pool_t *p, const char *const *pairs);

/* base with ?name=value&... (or &... when base has a query) added before
 * any #fragment. */
char *threads_url_with_query(apr_pool_t *p, const char *base,
                             const char *const *pairs);

#endif /* THREADS_CORE_QUERY_H */
