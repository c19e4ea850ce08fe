/*
 * request.c: the module's per-request state, and the session's token read
 * once for a request and everything it causes (subrequests, internal
 * redirects, the handler).
 */
#include "httpd/request.h"
#include "httpd/revoke.h"
#include "httpd/session.h"

#include "apr_time.h"

int threads_request_create(request_rec *r)
{
    ap_set_module_config(r->request_config, &threads_oauth_module,
                         apr_pcalloc(r->pool, sizeof(threads_request_t)));
    return OK;
}

threads_request_t *threads_request_of(request_rec *r)
{
    threads_request_t *st =
        ap_get_module_config(r->request_config, &threads_oauth_module);

    /* A request_rec made without the create_request hook (a module that
     * fakes one) still gets a state. */
    if (!st) {
        threads_request_create(r);
        st = ap_get_module_config(r->request_config, &threads_oauth_module);
    }
    return st;
}

threads_request_t *threads_request_state(request_rec *r)
{
    while (r->main || r->prev) {
        r = r->main ? r->main : r->prev;
    }
    return threads_request_of(r);
}

int threads_request_is_internal(const request_rec *r)
{
    return r->main || r->prev;
}

threads_token_t *threads_request_load_token(request_rec *r)
{
    threads_request_t *st = threads_request_state(r);

    if (!st->token_loaded) {
        st->token_loaded = 1;
        st->token = threads_session_read_token(r);
        if (st->token && threads_revoke_covers(r, st->token)) {
            st->token = NULL;
        }
    }
    return st->token;
}

void threads_request_forget_token(request_rec *r)
{
    threads_request_t *st = threads_request_state(r);

    st->token_loaded = 1;
    st->token = NULL;
}

threads_token_t *threads_request_valid_token(request_rec *r)
{
    threads_request_t *st = threads_request_state(r);
    threads_token_t *t = threads_request_load_token(r);

    if (!t) {
        return NULL;
    }
    if (t->expires_at <= apr_time_sec(apr_time_now())) {
        if (!st->expiry_logged) {
            st->expiry_logged = 1;
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          THREADS_LOGNO(00151) "token of user %s expired at "
                                               "%" APR_INT64_T_FMT,
                          t->user_id, t->expires_at);
        }
        return NULL;
    }
    return t;
}
