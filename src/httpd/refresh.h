/*
 * refresh.h: renewing a long-lived token before it expires (contract 7).
 */
#ifndef THREADS_HTTPD_REFRESH_H
#define THREADS_HTTPD_REFRESH_H

#include "httpd/module.h"

#include "core/token.h"

/* What came of a refresh step. */
typedef enum {
    THREADS_REFRESH_NOT_DUE, /* nothing to do, or paced: t as it was */
    THREADS_REFRESH_DONE,    /* t renewed, here and in the session */
    THREADS_REFRESH_FAILED,  /* t kept while valid; the next try in an hour */
    THREADS_REFRESH_DEAD     /* Graph error 190: logged out, t must go */
} threads_refresh_e;

/* When t is due (long-lived, at least 24 hours old, expiring within
 * ThreadsRefreshWindow, not waiting after a failure) and the server's pace
 * allows (one call per token per hour, single-flight across threads,
 * processes and servers sharing the store), calls Threads and renews t in
 * place and in the session. Main requests only. */
threads_refresh_e threads_refresh_if_due(request_rec *r, threads_token_t *t);

#endif /* THREADS_HTTPD_REFRESH_H */
