/*
 * endpoint_finish.c: Threads sends the browser back to the callback:
 * ?code= (the user allowed: exchange the code, keep the token) or ?error=
 * (the user cancelled). Both consume the pending login of their state.
 */
#include "httpd/config.h"
#include "httpd/endpoint.h"
#include "httpd/graph.h"
#include "httpd/login.h"
#include "httpd/page.h"
#include "httpd/request.h"
#include "httpd/session.h"

#include "apr_strings.h"
#include "apr_time.h"

#include "core/bounds.h"
#include "core/url.h"

/* The "start again" answer for a state that is unknown, used or old. */
static int threads_finish_stale_state(request_rec *r)
{
    threads_page_detail_t detail = {NULL, NULL, NULL};

    if (threads_request_valid_token(r)) {
        /* A back button or a double click after a finished login. */
        return threads_page_redirect(r, "/");
    }
    detail.link_url = threads_login_link(r, "/");
    return threads_page_error(r, THREADS_PAGE_STATE_EXPIRED, &detail);
}

/* Consumes the pending login of state; 1 when it was there and fresh. */
static int threads_finish_take_state(request_rec *r, const char *state,
                                     threads_pending_t *out)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_array_header_t *pending = threads_session_read_pending(r);
    int found;

    threads_pending_prune(pending, apr_time_sec(apr_time_now()),
                          threads_config_state_timeout(sc));
    found = state && *state && threads_pending_take(pending, state, out);
    if (found) {
        threads_session_write_pending(r, pending);
    }
    return found;
}

/* What a login adds to a fresh short-lived token when configured: the
 * 60-day token and the profile. Neither failing stops the login. */
static void threads_finish_upgrade(request_rec *r, threads_token_t *token)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_token_reply_t reply;
    threads_profile_reply_t profile;

    if (threads_config_long_lived(sc)) {
        if (threads_graph_exchange_long_lived(r, token->access_token, &reply) ==
            OK) {
            threads_token_apply(token, &reply, THREADS_TOKEN_LONG,
                                apr_time_sec(apr_time_now()));
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          THREADS_LOGNO(00108) "user %s: no long-lived "
                                               "token, going on with the "
                                               "1-hour token",
                          token->user_id);
        }
    }
    if (threads_config_profile(sc)) {
        if (threads_graph_profile(r, token->access_token, &profile) != OK) {
            return; /* logged by threads_graph_profile */
        }
        if (!profile.id || strcmp(profile.id, token->user_id)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          THREADS_LOGNO(00109) "profile names another user "
                                               "than the token (%s): ignored",
                          token->user_id);
            return;
        }
        token->username = profile.username;
        token->name = profile.name;
    }
}

/* The error page for a code exchange that did not give a token. */
static int threads_finish_exchange_failed(request_rec *r, int status,
                                          const threads_token_reply_t *reply,
                                          const char *return_url)
{
    threads_page_detail_t detail = {NULL, NULL, NULL};

    detail.link_url = threads_login_link(r, return_url);
    if (status == HTTP_FORBIDDEN) {
        detail.description = reply->error_message;
        return threads_page_error(r, THREADS_PAGE_TOKEN_REJECTED, &detail);
    }
    return threads_page_error(r,
                              status == HTTP_GATEWAY_TIME_OUT
                                  ? THREADS_PAGE_THREADS_TIMEOUT
                                  : THREADS_PAGE_THREADS_DOWN,
                              &detail);
}

int threads_endpoint_code(request_rec *r, threads_callback_t *cb)
{
    const char *code =
        threads_code_strip_fragment(r->pool, apr_table_get(cb->params, "code"));
    threads_pending_t login;
    threads_token_reply_t reply;
    threads_token_t token;
    apr_int64_t now;
    int status;

    if (!threads_finish_take_state(r, apr_table_get(cb->params, "state"),
                                   &login)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00103) "callback with a missing, unknown, "
                                           "used or expired state");
        return threads_finish_stale_state(r);
    }
    if (!*code) {
        threads_page_detail_t detail = {NULL, NULL, NULL};

        detail.link_url = threads_login_link(r, login.return_url);
        return threads_page_error(r, THREADS_PAGE_NO_CODE, &detail);
    }
    status = threads_graph_exchange_code(r, code, &reply);
    if (status != OK) {
        return threads_finish_exchange_failed(r, status, &reply,
                                              login.return_url);
    }
    now = apr_time_sec(apr_time_now());
    memset(&token, 0, sizeof(token));
    token.access_token = reply.access_token;
    token.user_id = reply.user_id;
    token.issued_at = now;
    token.login_at = now;
    token.expires_at =
        now + (reply.expires_in > 0 ? reply.expires_in
                                    : THREADS_SHORT_TOKEN_LIFETIME);
    token.type = THREADS_TOKEN_SHORT;
    token.scope = login.scope;
    threads_finish_upgrade(r, &token);
    if (threads_session_write_token(r, &token) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  THREADS_LOGNO(00104) "user %s logged in, scope %s",
                  token.user_id, token.scope);
    return threads_page_redirect(r, login.return_url);
}

/* Only for a pending login: a replayed or forged report is a stale
 * state. */
int threads_endpoint_error(request_rec *r, threads_callback_t *cb)
{
    const char *error = apr_table_get(cb->params, "error");
    const char *reason = apr_table_get(cb->params, "error_reason");
    const char *description = apr_table_get(cb->params, "error_description");
    threads_page_detail_t detail = {NULL, NULL, NULL};
    threads_pending_t login;
    /* Meta's guide spells it "acceess_denied" once: accept both. */
    int denied =
        !strcmp(error, "access_denied") || !strcmp(error, "acceess_denied");

    if (!threads_finish_take_state(r, apr_table_get(cb->params, "state"),
                                   &login)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00107) "error callback with a missing, "
                                           "unknown, used or expired state");
        return threads_finish_stale_state(r);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  THREADS_LOGNO(00105) "sign-in cancelled: error=%s "
                                       "error_reason=%s",
                  ap_escape_logitem(r->pool, error),
                  ap_escape_logitem(r->pool, reason ? reason : "-"));
    detail.error = error;
    detail.description = description && *description ? description : NULL;
    detail.link_url = threads_login_link(r, login.return_url);
    return threads_page_error(
        r, denied ? THREADS_PAGE_CANCELLED : THREADS_PAGE_AUTHORIZE_ERROR,
        &detail);
}
