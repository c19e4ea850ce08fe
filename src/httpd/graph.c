/*
 * graph.c: the module's calls to Threads and what their outcomes
 * mean for the browser's answer.
 *
 * URLs and bodies of these calls carry the app secret, codes and tokens:
 * they are never logged. Log lines name the call, the outcome, the HTTP
 * status, the time taken and Threads' own error text.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/graph.h"

#include "apr_strings.h"

#include "core/http.h"
#include "core/query.h"

/* Performs one call with the server's options. */
static void threads_graph_call(request_rec *r, const char *method,
                               const char *url, const char *form,
                               const char *bearer,
                               threads_http_response_t *resp)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_http_request_t req = {method, url, form, bearer};

    threads_http_perform(sc->http, r->pool, &sc->http_options, &req, resp);
    threads_count_call(resp->elapsed);
}

/* Logs a call that got no HTTP answer at level; the browser's status for
 * it: 504 when Threads was too slow, else 502. */
static int threads_graph_transport_failed(request_rec *r, int level,
                                          const char *what,
                                          const threads_http_response_t *resp)
{
    ap_log_rerror(APLOG_MARK, level, 0, r,
                  THREADS_LOGNO(00200) "%s failed after %ld ms: %s (%s)", what,
                  (long)apr_time_as_msec(resp->elapsed),
                  threads_http_outcome_name(resp->outcome),
                  resp->error ? resp->error : "no detail");
    return resp->outcome == THREADS_HTTP_TIMEOUT ? HTTP_GATEWAY_TIME_OUT
                                                 : HTTP_BAD_GATEWAY;
}

/* Maps a call's transport outcome and body to the browser's status. Any
 * status but OK leaves reply saying why: REJECTED (403), INVALID with a
 * problem (an answer that is no token), INVALID without (no answer). */
static int threads_graph_judge(request_rec *r, const char *what,
                               const threads_http_response_t *resp,
                               int need_user_id, threads_token_reply_t *reply)
{
    long ms = (long)apr_time_as_msec(resp->elapsed);

    if (resp->outcome != THREADS_HTTP_OK) {
        memset(reply, 0, sizeof(*reply));
        reply->kind = THREADS_REPLY_INVALID;
        return threads_graph_transport_failed(r, APLOG_ERR, what, resp);
    }
    threads_json_parse_token_reply(r->pool, resp->body, resp->body_len,
                                   need_user_id, reply);
    switch (reply->kind) {
        case THREADS_REPLY_OK:
            if (resp->status != 200) {
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                              THREADS_LOGNO(00201) "%s: HTTP %ld with a "
                                                   "token: refused",
                              what, resp->status);
                reply->kind = THREADS_REPLY_INVALID;
                reply->problem = "a token with a status other than 200";
                return HTTP_BAD_GATEWAY;
            }
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          THREADS_LOGNO(00202) "%s succeeded in %ld ms", what,
                          ms);
            return OK;
        case THREADS_REPLY_REJECTED:
            /* Meta's own words, escaped: they name the error, never the
             * token, which stays out of every log line. */
            ap_log_rerror(
                APLOG_MARK, APLOG_WARNING, 0, r,
                THREADS_LOGNO(00203) "%s refused by Threads (HTTP %ld, %s, "
                                     "code %" APR_INT64_T_FMT
                                     ", error_subcode %" APR_INT64_T_FMT
                                     ", fbtrace_id %s): %s",
                what, resp->status,
                ap_escape_logitem(r->pool, reply->error.type ? reply->error.type
                                                             : "error"),
                reply->error.code, reply->error.subcode,
                reply->error.fbtrace_id ? reply->error.fbtrace_id : "-",
                ap_escape_logitem(
                    r->pool, reply->error.message ? reply->error.message : ""));
            return HTTP_FORBIDDEN;
        default:
            ap_log_rerror(
                APLOG_MARK, APLOG_ERR, 0, r,
                THREADS_LOGNO(00204) "%s: unusable answer (HTTP "
                                     "%ld, %s, %" APR_SIZE_T_FMT " bytes): %s",
                what, resp->status,
                resp->content_type ? resp->content_type : "no type",
                resp->body_len, reply->problem ? reply->problem : "invalid");
            return HTTP_BAD_GATEWAY;
    }
}

int threads_graph_exchange_code(request_rec *r, const char *code,
                                threads_token_reply_t *reply)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_http_response_t resp;
    const char *const form[] = {"client_id",
                                sc->app_id,
                                "client_secret",
                                sc->app_secret,
                                "code",
                                code,
                                "grant_type",
                                "authorization_code",
                                "redirect_uri",
                                sc->redirect_uri,
                                NULL};

    threads_graph_call(r, "POST", threads_config_token_url(sc),
                       threads_form_encode(r->pool, form), NULL, &resp);
    return threads_graph_judge(r, "code exchange", &resp, 1, reply);
}

/* GET {ThreadsGraphUrl}<path>?<query>. */
static const char *threads_graph_url(request_rec *r, const char *path,
                                     const char *const *query)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);

    return threads_url_with_query(
        r->pool, apr_pstrcat(r->pool, threads_config_graph_url(sc), path, NULL),
        query);
}

int threads_graph_exchange_long_lived(request_rec *r, const char *token,
                                      threads_token_reply_t *reply)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_http_response_t resp;
    const char *const query[] = {"grant_type",
                                 "th_exchange_token",
                                 "client_secret",
                                 sc->app_secret,
                                 "access_token",
                                 token,
                                 NULL};

    threads_graph_call(r, "GET", threads_graph_url(r, "/access_token", query),
                       NULL, NULL, &resp);
    return threads_graph_judge(r, "long-lived token exchange", &resp, 0, reply);
}

int threads_graph_refresh(request_rec *r, const char *token,
                          threads_token_reply_t *reply)
{
    threads_http_response_t resp;
    const char *const query[] = {"grant_type", "th_refresh_token",
                                 "access_token", token, NULL};

    threads_graph_call(r, "GET",
                       threads_graph_url(r, "/refresh_access_token", query),
                       NULL, NULL, &resp);
    return threads_graph_judge(r, "token refresh", &resp, 0, reply);
}

int threads_graph_profile(request_rec *r, const char *token,
                          threads_profile_reply_t *reply)
{
    threads_http_response_t resp;
    const char *const query[] = {"fields", "id,username,name", NULL};

    threads_graph_call(r, "GET", threads_graph_url(r, "/v1.0/me", query), NULL,
                       token, &resp);
    if (resp.outcome != THREADS_HTTP_OK) {
        memset(reply, 0, sizeof(*reply));
        reply->kind = THREADS_REPLY_INVALID;
        /* The login goes on without a profile: a warning, not an error. */
        return threads_graph_transport_failed(r, APLOG_WARNING, "profile read",
                                              &resp);
    }
    threads_json_parse_profile(r->pool, resp.body, resp.body_len, reply);
    if (reply->kind != THREADS_REPLY_OK || resp.status != 200) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00206) "profile read: unusable answer "
                                           "(HTTP %ld, code %" APR_INT64_T_FMT
                                           ", error_subcode %" APR_INT64_T_FMT
                                           ", fbtrace_id %s): %s",
                      resp.status, reply->error.code, reply->error.subcode,
                      reply->error.fbtrace_id ? reply->error.fbtrace_id : "-",
                      ap_escape_logitem(
                          r->pool, reply->error.message ? reply->error.message
                                   : reply->problem     ? reply->problem
                                                        : "invalid"));
        return reply->kind == THREADS_REPLY_REJECTED ? HTTP_FORBIDDEN
                                                     : HTTP_BAD_GATEWAY;
    }
    return OK;
}

int threads_graph_token_dead(int status, const threads_json_error_t *error)
{
    return status == HTTP_FORBIDDEN && error->code == THREADS_GRAPH_TOKEN_DEAD;
}
