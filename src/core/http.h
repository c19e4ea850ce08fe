/*
 * http.h: outgoing calls to Threads. libcurl stays in http.c.
 */
#ifndef THREADS_CORE_HTTP_H
#define THREADS_CORE_HTTP_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_time.h"

/* How every call is made; from the server's configuration. */
typedef struct {
    apr_interval_time_t timeout; /* total, connect included */
    int ssl_verify;
    const char *ca_file; /* NULL: system CAs */
    const char *proxy;   /* NULL: none (environment ignored) */
    const char *user_agent;
} threads_http_options_t;

/* One call. */
typedef struct {
    const char *method; /* "GET" or "POST" */
    const char *url;    /* may carry secrets: never logged */
    const char *form;   /* POST body, x-www-form-urlencoded */
    const char *bearer; /* Authorization: Bearer <bearer>, or NULL */
} threads_http_request_t;

typedef enum {
    THREADS_HTTP_OK = 0,      /* an HTTP answer arrived (any status) */
    THREADS_HTTP_TIMEOUT,     /* over options->timeout */
    THREADS_HTTP_UNREACHABLE, /* DNS, refused, reset, proxy */
    THREADS_HTTP_TLS,         /* handshake, certificate, host name */
    THREADS_HTTP_TOO_LARGE,   /* body over THREADS_BODY_MAX */
    THREADS_HTTP_FAILED       /* anything else */
} threads_http_outcome_e;

typedef struct {
    threads_http_outcome_e outcome;
    long status;              /* HTTP status when outcome is OK */
    const char *content_type; /* may be NULL */
    const char *body;         /* NUL-terminated, body_len bytes */
    apr_size_t body_len;
    const char *error; /* libcurl's text; no URL query, no secret */
    apr_interval_time_t elapsed;
} threads_http_response_t;

/* Per-process pool of reusable easy handles (keep-alive, TLS sessions). */
typedef struct threads_http_pool_t threads_http_pool_t;

/* curl_global_init, with the matching cleanup registered on pool: httpd's
 * configuration pool (post_config), which is cleared before the module is
 * unloaded. Call while no other thread uses libcurl. */
apr_status_t threads_http_global_init(apr_pool_t *pool);
/* A handle pool for this process (call in child_init). */
apr_status_t threads_http_pool_create(apr_pool_t *p,
                                      threads_http_pool_t **pool);
/* Performs one call; never fails without filling resp. Thread-safe. */
void threads_http_perform(threads_http_pool_t *pool, apr_pool_t *p,
                          const threads_http_options_t *opts,
                          const threads_http_request_t *req,
                          threads_http_response_t *resp);
/* "timeout", "unreachable", ... for logs and counters. */
const char *threads_http_outcome_name(threads_http_outcome_e outcome);

#endif /* THREADS_CORE_HTTP_H */
