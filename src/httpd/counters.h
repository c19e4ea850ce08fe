/*
 * counters.h: what the module did, counted for operators (contract 9):
 * summed over all processes of httpd, kept across graceful restarts, shown
 * in server-status and as Prometheus text.
 */
#ifndef THREADS_HTTPD_COUNTERS_H
#define THREADS_HTTPD_COUNTERS_H

#include "httpd/module.h"

/* Every counter; the order is the order of the reports. */
typedef enum {
    THREADS_C_LOGIN_STARTED,
    THREADS_C_LOGIN_COMPLETED,
    THREADS_C_LOGIN_CANCELLED,
    THREADS_C_LOGIN_FAILED_STATE,    /* state missing, used or expired */
    THREADS_C_LOGIN_FAILED_REJECTED, /* Threads refused the code */
    /* The next two: the code exchange, or the profile read that
     * ThreadsRemoteUser username needs. */
    THREADS_C_LOGIN_FAILED_UNREACHABLE, /* no answer: DNS, TLS, connect */
    THREADS_C_LOGIN_FAILED_TIMEOUT,     /* slower than ThreadsHttpTimeout */
    THREADS_C_LOGIN_FAILED_BAD_ANSWER,  /* no code, no token, no username */
    THREADS_C_LOGIN_FAILED_SERVER,      /* this server could not finish it:
                                           the session not written, no
                                           random bytes */
    THREADS_C_LONG_LIVED_EXCHANGES,
    THREADS_C_LONG_LIVED_FAILED,
    THREADS_C_REFRESH_DONE,
    THREADS_C_REFRESH_FAILED,
    THREADS_C_REVOKED_LOGOUT,
    THREADS_C_REVOKED_DEAUTHORIZE,
    THREADS_C_REVOKED_DELETE,
    THREADS_C_UNAUTHORIZED,  /* 401 answers */
    THREADS_C_STORE_FAILED,  /* ThreadsRevocationCache calls that failed */
    THREADS_C_CALLS,         /* calls to Threads */
    THREADS_C_CALL_MS_TOTAL, /* their time, in milliseconds */
    THREADS_C_CALL_MS_MAX,   /* the slowest, in milliseconds */
    THREADS_C_COUNT
} threads_counter_e;

/* post_config: the shared memory, made once per httpd and kept across
 * graceful restarts. APR_SUCCESS, or a status already logged. */
apr_status_t threads_counters_setup(server_rec *s);

/* Adds one (an atomic add; no lock). Nothing before setup. */
void threads_count(threads_counter_e which);

/* Counts one call to Threads that took ms milliseconds. */
void threads_count_call(apr_interval_time_t elapsed);

/* mod_status's status_hook: the "Threads OAuth" section. */
int threads_counters_status(request_rec *r, int flags);

/* The handler of SetHandler threads-oauth-metrics: Prometheus text. */
int threads_counters_handler(request_rec *r);

#endif /* THREADS_HTTPD_COUNTERS_H */
