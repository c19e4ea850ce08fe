/*
 * refresh.c: renewing a long-lived token before it expires.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/graph.h"
#include "httpd/pace.h"
#include "httpd/refresh.h"
#include "httpd/revoke.h"
#include "httpd/session.h"

#include "apr_time.h"

/* Threads refreshes only tokens at least this old. */
#define THREADS_REFRESH_MIN_AGE 86400
/* After a failed refresh, the next try waits this long. */
#define THREADS_REFRESH_RETRY 3600

/* 1 when a long-lived token may and should be refreshed now: Threads
 * refreshes tokens at least 24 hours old and not yet expired. */
static int threads_refresh_due(const threads_server_conf_t *sc,
                               const threads_token_t *t, apr_int64_t now)
{
    return t->type == THREADS_TOKEN_LONG && threads_config_long_lived(sc) &&
           now - t->issued_at >= THREADS_REFRESH_MIN_AGE &&
           t->expires_at > now &&
           t->expires_at - now <= threads_config_refresh_window(sc) &&
           now >= t->refresh_after;
}

/* A failure keeps the current token while it is valid and waits before
 * the next try (in the cookie, and in the server's pace whatever the
 * outcome), so a Threads outage does not add a call to every request,
 * nor a client replaying an older cookie. */
threads_refresh_e threads_refresh_if_due(request_rec *r, threads_token_t *t)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_int64_t now = apr_time_sec(apr_time_now());
    threads_token_reply_t reply;
    threads_refresh_e outcome;
    int status;

    if (!threads_refresh_due(sc, t, now)) {
        return THREADS_REFRESH_NOT_DUE;
    }
    if (!threads_pace_claim(r, t->access_token)) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00159) "token of user %s: refreshed or "
                                           "tried within the hour, here or "
                                           "on a server sharing the store",
                      t->user_id);
        return THREADS_REFRESH_NOT_DUE;
    }
    status = threads_graph_refresh(r, t->access_token, &reply);
    if (threads_graph_token_dead(status, &reply.error)) {
        /* Logged with its code, subcode and trace id by graph.c. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00160) "token of user %s is dead (Graph "
                                           "error 190): logged out",
                      t->user_id);
        /* Copies of this cookie hold the same dead token: with a store,
         * they end here too instead of each asking Threads again. */
        (void)threads_revoke_login(r, t); /* a failure is logged there */
        outcome = THREADS_REFRESH_DEAD;
    }
    else if (status == OK) {
        threads_token_apply(t, &reply, THREADS_TOKEN_LONG, now);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00154) "token of user %s refreshed, "
                                           "valid until %" APR_INT64_T_FMT,
                      t->user_id, t->expires_at);
        outcome = THREADS_REFRESH_DONE;
    }
    else {
        t->refresh_after = now + THREADS_REFRESH_RETRY;
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00155) "token of user %s not refreshed; "
                                           "using it until %" APR_INT64_T_FMT,
                      t->user_id, t->expires_at);
        outcome = THREADS_REFRESH_FAILED;
    }
    threads_count(outcome == THREADS_REFRESH_DONE ? THREADS_C_REFRESH_DONE
                                                  : THREADS_C_REFRESH_FAILED);
    /* A dead token leaves the session; a refreshed one, or the time of
     * the next try, goes into it. When the session cannot keep that,
     * this request goes on all the same, and the pace keeps the cookie
     * from another call within the hour. */
    if (threads_session_write_token(
            r, outcome == THREADS_REFRESH_DEAD ? NULL : t) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00158) "token of user %s: the session "
                                           "did not keep what the refresh "
                                           "changed; this request goes on",
                      t->user_id);
    }
    return outcome;
}
