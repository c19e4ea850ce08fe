/*
 * endpoint_finish.c: Threads sends the browser back to the callback:
 * ?code= (the user allowed: exchange the code, keep the token) or ?error=
 * (the user cancelled). Both consume the pending login of their state.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/endpoint.h"
#include "httpd/graph.h"
#include "httpd/login.h"
#include "httpd/page.h"
#include "httpd/request.h"
#include "httpd/revoke.h"
#include "httpd/session.h"

#include "apr_strings.h"
#include "apr_time.h"

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

/* What became of a callback's state. */
typedef enum {
    THREADS_STATE_TAKEN,  /* pending and fresh: consumed */
    THREADS_STATE_STALE,  /* missing, unknown, used or expired */
    THREADS_STATE_UNSAVED /* consumed, but the session could not keep that:
                             going on would let it be used again */
} threads_state_e;

/* Consumes the pending login of state. */
static threads_state_e threads_finish_take_state(request_rec *r,
                                                 const char *state,
                                                 threads_pending_t *out)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_array_header_t *pending = threads_session_read_pending(r);

    threads_pending_prune(pending, apr_time_sec(apr_time_now()),
                          threads_config_state_timeout(sc));
    if (!state || !*state || !threads_pending_take(pending, state, out)) {
        return THREADS_STATE_STALE;
    }
    /* Logged by the session code when it fails. */
    if (threads_session_write_pending(r, pending) != APR_SUCCESS) {
        return THREADS_STATE_UNSAVED;
    }
    /* A copy of an older cookie still lists the state: the store says
     * whether another copy used it. */
    if (threads_revoke_use_state(
            r, state, out->created + threads_config_state_timeout(sc)) ==
        APR_EEXIST) {
        return THREADS_STATE_STALE;
    }
    return THREADS_STATE_TAKEN;
}

/* What the calls after the code exchange made of a fresh token. */
typedef enum {
    THREADS_UPGRADE_OK,          /* the login goes on */
    THREADS_UPGRADE_NO_USERNAME, /* no username known: the login fails
                                    only under ThreadsRemoteUser username */
    THREADS_UPGRADE_TOKEN_DEAD   /* Threads called the token dead (190) */
} threads_upgrade_e;

/* Why a call to Threads failed, as the login failures count it: its
 * status (504: too slow) and whether any answer came. */
static threads_counter_e threads_finish_failed_as(int status, int answered)
{
    return status == HTTP_GATEWAY_TIME_OUT ? THREADS_C_LOGIN_FAILED_TIMEOUT
           : answered                      ? THREADS_C_LOGIN_FAILED_BAD_ANSWER
                                           : THREADS_C_LOGIN_FAILED_UNREACHABLE;
}

/* Reads the profile into token. NO_USERNAME when it cannot be read, names
 * another user or has no username (each logged), with *failed_as saying
 * why; whether the login still goes on without it is the caller's to
 * say. */
static threads_upgrade_e threads_finish_profile(request_rec *r,
                                                threads_token_t *token,
                                                threads_counter_e *failed_as)
{
    threads_profile_reply_t profile;
    int status = threads_graph_profile(r, token->access_token, &profile);

    *failed_as = THREADS_C_LOGIN_FAILED_BAD_ANSWER;
    /* Each failure is logged by threads_graph_profile. */
    if (threads_graph_token_dead(status, &profile.error)) {
        return THREADS_UPGRADE_TOKEN_DEAD;
    }
    if (status != OK) {
        *failed_as = threads_finish_failed_as(
            status, profile.kind != THREADS_REPLY_INVALID || profile.problem);
        return THREADS_UPGRADE_NO_USERNAME;
    }
    if (!profile.id || strcmp(profile.id, token->user_id)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00109) "profile names another user "
                                           "than the token (%s): ignored",
                      token->user_id);
        return THREADS_UPGRADE_NO_USERNAME;
    }
    token->username = profile.username;
    token->name = profile.name;
    return profile.username ? THREADS_UPGRADE_OK : THREADS_UPGRADE_NO_USERNAME;
}

/* Consumes the pending login of the callback's state: OK, or the answer
 * (a stale state's page, or 500 when the session cannot keep it used). */
static int threads_finish_consume(request_rec *r, threads_callback_t *cb,
                                  threads_pending_t *login, int is_error)
{
    switch (threads_finish_take_state(r, apr_table_get(cb->params, "state"),
                                      login)) {
        case THREADS_STATE_TAKEN:
            return OK;
        case THREADS_STATE_UNSAVED:
            threads_count(THREADS_C_LOGIN_FAILED_SERVER);
            return HTTP_INTERNAL_SERVER_ERROR;
        case THREADS_STATE_STALE:
            break;
    }
    threads_count(THREADS_C_LOGIN_FAILED_STATE);
    if (is_error) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00107) "error callback with a missing, "
                                           "unknown, used or expired state");
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00103) "callback with a missing, unknown, "
                                           "used or expired state");
    }
    return threads_finish_stale_state(r);
}

/* What a login adds to a fresh short-lived token when configured: the
 * 60-day token and the profile (NO_USERNAME: *failed_as says why). Neither
 * failing stops the login, but where ThreadsRemoteUser username needs it: an
 * all-digit username could equal another user's id, so REMOTE_USER never falls
 * back to the id and the login ends with a 502. A token that either call hears
 * called dead (Graph error 190) ends the login: there is nothing to keep. */
static threads_upgrade_e threads_finish_upgrade(request_rec *r,
                                                threads_token_t *token,
                                                threads_counter_e *failed_as)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_token_reply_t reply;
    threads_upgrade_e outcome;
    int status;

    if (threads_config_long_lived(sc)) {
        status =
            threads_graph_exchange_long_lived(r, token->access_token, &reply);
        if (status == OK) {
            threads_token_apply(token, &reply, THREADS_TOKEN_LONG,
                                apr_time_sec(apr_time_now()));
            threads_count(THREADS_C_LONG_LIVED_EXCHANGES);
        }
        else {
            threads_count(THREADS_C_LONG_LIVED_FAILED);
            if (threads_graph_token_dead(status, &reply.error)) {
                return THREADS_UPGRADE_TOKEN_DEAD;
            }
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          THREADS_LOGNO(00108) "user %s: no long-lived "
                                               "token, going on with the "
                                               "1-hour token",
                          token->user_id);
        }
    }
    if (!threads_config_profile(sc)) {
        return THREADS_UPGRADE_OK;
    }
    outcome = threads_finish_profile(r, token, failed_as);
    if (outcome == THREADS_UPGRADE_NO_USERNAME && sc->username_wanted) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00110) "login of user %s refused: "
                                           "ThreadsRemoteUser username needs "
                                           "the username, and the profile "
                                           "read gave none",
                      token->user_id);
        return THREADS_UPGRADE_NO_USERNAME;
    }
    return outcome == THREADS_UPGRADE_TOKEN_DEAD ? outcome : THREADS_UPGRADE_OK;
}

/* The error page of a login that cannot go on after the code exchange,
 * counted as failed for reason; description: Threads' own words, or
 * NULL. */
static int threads_finish_refused(request_rec *r, threads_page_error_e page,
                                  threads_counter_e reason,
                                  const char *description,
                                  const char *return_url)
{
    threads_page_detail_t detail = {NULL, NULL, NULL};

    threads_count(reason);
    detail.description = description;
    detail.link_url = threads_login_link(r, return_url);
    return threads_page_error(r, page, &detail);
}

/* The error page for a code exchange that did not give a token. */
static int threads_finish_exchange_failed(request_rec *r, int status,
                                          const threads_token_reply_t *reply,
                                          const char *return_url)
{
    if (status == HTTP_FORBIDDEN) {
        return threads_finish_refused(r, THREADS_PAGE_TOKEN_REJECTED,
                                      THREADS_C_LOGIN_FAILED_REJECTED,
                                      reply->error.message, return_url);
    }
    return threads_finish_refused(
        r,
        status == HTTP_GATEWAY_TIME_OUT ? THREADS_PAGE_THREADS_TIMEOUT
                                        : THREADS_PAGE_THREADS_DOWN,
        threads_finish_failed_as(status, reply->problem != NULL), NULL,
        return_url);
}

int threads_endpoint_code(request_rec *r, threads_callback_t *cb)
{
    const char *code =
        threads_code_strip_fragment(r->pool, apr_table_get(cb->params, "code"));
    threads_pending_t login;
    threads_token_reply_t reply;
    threads_token_t token;
    threads_counter_e failed_as;
    apr_int64_t now;
    int status;

    status = threads_finish_consume(r, cb, &login, 0);
    if (status != OK) {
        return status;
    }
    if (!*code) {
        return threads_finish_refused(r, THREADS_PAGE_NO_CODE,
                                      THREADS_C_LOGIN_FAILED_BAD_ANSWER, NULL,
                                      login.return_url);
    }
    status = threads_graph_exchange_code(r, code, &reply);
    if (status != OK) {
        return threads_finish_exchange_failed(r, status, &reply,
                                              login.return_url);
    }
    now = apr_time_sec(apr_time_now());
    memset(&token, 0, sizeof(token));
    threads_token_apply(&token, &reply, THREADS_TOKEN_SHORT, now);
    token.user_id = reply.user_id;
    token.login_at = now;
    token.scope = login.scope;
    if (threads_token_new_login_id(r->pool, &token.login_id) != APR_SUCCESS) {
        threads_count(THREADS_C_LOGIN_FAILED_SERVER);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00111) "no random login id available");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    switch (threads_finish_upgrade(r, &token, &failed_as)) {
        case THREADS_UPGRADE_OK:
            break;
        case THREADS_UPGRADE_NO_USERNAME:
            return threads_finish_refused(r, THREADS_PAGE_NO_USERNAME,
                                          failed_as, NULL, login.return_url);
        case THREADS_UPGRADE_TOKEN_DEAD:
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          THREADS_LOGNO(00231) "login of user %s refused: "
                                               "Threads calls the token it "
                                               "just gave dead (Graph error "
                                               "190)",
                          token.user_id);
            return threads_finish_refused(r, THREADS_PAGE_TOKEN_REJECTED,
                                          THREADS_C_LOGIN_FAILED_REJECTED, NULL,
                                          login.return_url);
    }
    if (threads_session_write_token(r, &token) != APR_SUCCESS) {
        /* Logged by the session code. */
        threads_count(THREADS_C_LOGIN_FAILED_SERVER);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    threads_count(THREADS_C_LOGIN_COMPLETED);
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
    int status = threads_finish_consume(r, cb, &login, 1);

    if (status != OK) {
        return status;
    }
    threads_count(THREADS_C_LOGIN_CANCELLED);
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
