/*
 * pace.h: the refresh pace: one call to Threads per token per hour, for
 * all threads and processes of this httpd, and for every server sharing
 * ThreadsRevocationCache.
 */
#ifndef THREADS_HTTPD_PACE_H
#define THREADS_HTTPD_PACE_H

#include "httpd/module.h"

/* pre_config: registers the pace's mutex type. */
apr_status_t threads_pace_register_mutex(apr_pool_t *pconf);

/* post_config: the shared table and its mutex. APR_SUCCESS, or a status
 * already logged. */
apr_status_t threads_pace_setup(apr_pool_t *pconf, server_rec *s);

/* child_init: reopens the mutex. */
void threads_pace_child_init(apr_pool_t *pchild, server_rec *s);

/* 1 when r may call Threads about token now: nobody did in the last hour,
 * and the call is now this request's (a concurrent request, here or on a
 * server sharing the store, gets 0). Whatever the call's outcome, the
 * next one waits an hour. */
int threads_pace_claim(request_rec *r, const char *token);

#endif /* THREADS_HTTPD_PACE_H */
