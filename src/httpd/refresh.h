/*
 * refresh.h: renewing a long-lived token before it expires (contract 7).
 */
#ifndef THREADS_HTTPD_REFRESH_H
#define THREADS_HTTPD_REFRESH_H

#include "httpd/module.h"

#include "core/token.h"

/* When t is due (long-lived, at least 24 hours old, expiring within
 * ThreadsRefreshWindow, not waiting after a failure), calls Threads and
 * renews t in place and in the session. A failure keeps t as it is and
 * waits an hour before the next try. Main requests only. */
void threads_refresh_if_due(request_rec *r, threads_token_t *t);

#endif /* THREADS_HTTPD_REFRESH_H */
