/*
 * threads_flow.c: starting a login and the callback endpoint (the path of
 * ThreadsRedirectUri): code, error, logout, login and info.
 *
 * Every URL the module redirects to is either built here from the
 * directives or a local path checked by threads_url_is_local; nothing is
 * built from Host or X-Forwarded-*.
 */
#include "threads_oauth.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_uri.h"

/* The parsed callback request, handed to each endpoint. */
typedef struct {
    apr_table_t *params;
} threads_callback_t;

const char *threads_flow_return_url(request_rec *r)
{
    /* The request target exactly as the client sent it (httpd decodes
     * r->parsed_uri.path in place): it goes back into a Location header
     * unchanged. Of an absolute-form target only the path and query. */
    const char *url = r->unparsed_uri;
    apr_uri_t uri;

    if (!url || url[0] != '/') {
        if (!url || apr_uri_parse(r->pool, url, &uri) != APR_SUCCESS ||
            !uri.path) {
            return "/";
        }
        url = uri.query ? apr_pstrcat(r->pool, uri.path, "?", uri.query, NULL)
                        : uri.path;
    }
    if (strlen(url) > THREADS_RETURN_URL_MAX || !threads_url_is_local(url)) {
        return "/";
    }
    return url;
}

const char *threads_flow_login_url(request_rec *r, const char *return_url)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    const char *const query[] = {"login", return_url, NULL};

    return threads_url_with_query(r->pool, sc->callback_link, query);
}

int threads_flow_is_callback(request_rec *r)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);

    return sc->callback_path && r->uri && !strcmp(r->uri, sc->callback_path);
}

int threads_flow_start_login(request_rec *r, const char *return_url,
                             const threads_scope_t *scope, int early)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_array_header_t *pending;
    threads_pending_t *entry;
    const char *scope_list = threads_scope_join(r->pool, scope);
    char *state;

    if (!threads_session_enabled(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00100) "cannot start a login for %s: "
                                           "Session On must cover it",
                      r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (threads_state_generate(r->pool, &state) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00101) "no random state available");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    pending = threads_session_read_pending(r);
    entry = apr_array_push(pending);
    entry->state = state;
    entry->created = now;
    entry->scope = scope_list;
    entry->return_url = return_url;
    /* After the push, so the newest THREADS_PENDING_MAX are kept. */
    threads_pending_prune(pending, now, threads_config_state_timeout(sc));
    if (threads_session_write_pending(r, pending) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  THREADS_LOGNO(00102) "login started for %s, scope %s, "
                                       "%d pending",
                  return_url, scope_list, pending->nelts);
    {
        const char *const query[] = {"client_id",
                                     sc->app_id,
                                     "redirect_uri",
                                     sc->redirect_uri,
                                     "scope",
                                     scope_list,
                                     "response_type",
                                     "code",
                                     "state",
                                     state,
                                     NULL};
        return threads_page_redirect(
            r,
            threads_url_with_query(r->pool, threads_config_authorize_url(sc),
                                   query),
            early);
    }
}

/* The scope a login from the callback asks for: this location's, plus
 * what the current token already has. */
static const threads_scope_t *threads_flow_login_scope(request_rec *r)
{
    const threads_scope_t *scope = threads_config_scope(r);
    threads_token_t *t = threads_request_token(r);
    const threads_scope_t *had;

    if (!t) {
        return scope;
    }
    had = threads_scope_parse(r->pool, t->scope, NULL);
    return had ? threads_scope_union(r->pool, had, scope) : scope;
}

/* The "start again" answer for a state that is unknown, used or old. */
static int threads_flow_stale_state(request_rec *r)
{
    if (threads_request_token(r)) {
        /* A back button or a double click after a finished login. */
        return threads_page_redirect(r, "/", 0);
    }
    return threads_page_error(
        r, HTTP_BAD_REQUEST, "invalid_state", NULL, "Sign-in expired",
        "This sign-in link has expired or was already used. "
        "Please start again.",
        threads_flow_login_url(r, "/"), "Sign in with Threads");
}

/* Consumes the pending login of state; 1 when it was there and fresh. */
static int threads_flow_take_state(request_rec *r, const char *state,
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
static void threads_flow_upgrade(request_rec *r, threads_token_t *token)
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

/* ?code=C&state=S: the user allowed; exchange the code for a token. */
static int threads_flow_code(request_rec *r, threads_callback_t *cb)
{
    const char *code =
        threads_code_strip_fragment(r->pool, apr_table_get(cb->params, "code"));
    threads_pending_t login;
    threads_token_reply_t reply;
    threads_token_t token;
    apr_int64_t now;
    int status;

    if (!threads_flow_take_state(r, apr_table_get(cb->params, "state"),
                                 &login)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00103) "callback with a missing, unknown, "
                                           "used or expired state");
        return threads_flow_stale_state(r);
    }
    if (!*code) {
        return threads_page_error(
            r, HTTP_BAD_REQUEST, "invalid_request", NULL, "Sign-in failed",
            "Threads sent no authorization code.",
            threads_flow_login_url(r, login.return_url), "Try again");
    }
    status = threads_graph_exchange_code(r, code, &reply);
    if (status == HTTP_FORBIDDEN) {
        return threads_page_error(
            r, status, "token_rejected", reply.error_message, "Sign-in failed",
            "Threads did not accept this sign-in.",
            threads_flow_login_url(r, login.return_url), "Try again");
    }
    if (status != OK) {
        return threads_page_error(
            r, status,
            status == HTTP_GATEWAY_TIME_OUT ? "threads_timeout"
                                            : "threads_unavailable",
            NULL, "Sign-in failed",
            status == HTTP_GATEWAY_TIME_OUT
                ? "Threads did not answer in time. Please try again."
                : "Threads could not be reached or gave an unusable "
                  "answer. Please try again.",
            threads_flow_login_url(r, login.return_url), "Try again");
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
    threads_flow_upgrade(r, &token);
    if (threads_session_write_token(r, &token) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  THREADS_LOGNO(00104) "user %s logged in, scope %s",
                  token.user_id, token.scope);
    return threads_page_redirect(r, login.return_url, 0);
}

/* ?error=…&state=S: the user cancelled, or Threads refused to authorize.
 * Only for a pending login: a replayed or forged report is a stale state. */
static int threads_flow_error(request_rec *r, threads_callback_t *cb)
{
    const char *error = apr_table_get(cb->params, "error");
    const char *reason = apr_table_get(cb->params, "error_reason");
    const char *description = apr_table_get(cb->params, "error_description");
    threads_pending_t login;
    /* Meta's guide spells it "acceess_denied" once: accept both. */
    int denied =
        !strcmp(error, "access_denied") || !strcmp(error, "acceess_denied");

    if (!threads_flow_take_state(r, apr_table_get(cb->params, "state"),
                                 &login)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00107) "error callback with a missing, "
                                           "unknown, used or expired state");
        return threads_flow_stale_state(r);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  THREADS_LOGNO(00105) "sign-in cancelled: error=%s "
                                       "error_reason=%s",
                  ap_escape_logitem(r->pool, error),
                  ap_escape_logitem(r->pool, reason ? reason : "-"));
    return threads_page_error(
        r, denied ? HTTP_FORBIDDEN : HTTP_BAD_REQUEST, error,
        description && *description ? description : NULL, "Sign-in cancelled",
        denied ? "Sign-in with Threads was cancelled."
               : "Sign-in with Threads was cancelled because of an error.",
        threads_flow_login_url(r, login.return_url), "Try again");
}

/* The local URL named by a logout= or login= parameter ("" means /), or
 * NULL for any other URL. */
static const char *threads_flow_local_param(threads_callback_t *cb,
                                            const char *name)
{
    const char *url = apr_table_get(cb->params, name);

    if (!*url) {
        return "/";
    }
    return threads_url_is_local(url) ? url : NULL;
}

/* The 400 answer to a login or logout link that leads off this site. */
static int threads_flow_foreign_link(request_rec *r, const char *what)
{
    return threads_page_error(
        r, HTTP_BAD_REQUEST, "invalid_request", NULL,
        apr_pstrcat(r->pool, "Bad ", what, " link", NULL),
        apr_pstrcat(r->pool, "A ", what,
                    " link may only lead to a page of this site.", NULL),
        "/", "Home");
}

/* ?logout=<url>: forget every Threads value, then go to url. */
static int threads_flow_logout(request_rec *r, threads_callback_t *cb)
{
    const char *url = threads_flow_local_param(cb, "logout");

    if (!url) {
        return threads_flow_foreign_link(r, "sign-out");
    }
    if (threads_session_clear(r) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  THREADS_LOGNO(00106) "logged out");
    return threads_page_redirect(r, url, 0);
}

/* ?login=<url>: the "Sign in with Threads" link of a page. */
static int threads_flow_login(request_rec *r, threads_callback_t *cb)
{
    const char *url = threads_flow_local_param(cb, "login");

    if (!url) {
        return threads_flow_foreign_link(r, "sign-in");
    }
    /* As for any login: a URL too long to keep returns to the home page. */
    if (strlen(url) > THREADS_RETURN_URL_MAX) {
        url = "/";
    }
    return threads_flow_start_login(r, url, threads_flow_login_scope(r), 0);
}

/* ?info=json: who is logged in, never the token itself. */
static int threads_flow_info(request_rec *r, threads_callback_t *cb)
{
    threads_token_t *t = threads_request_token(r);
    const char *body;

    if (!t) {
        return threads_page_login_required(r, 0);
    }
    body = apr_psprintf(
        r->pool,
        "{\"user_id\":%s,\"username\":%s,\"expires_at\":%" APR_INT64_T_FMT
        ",\"scope\":%s,\"token_type\":%s}\n",
        threads_json_quote(r->pool, t->user_id),
        threads_json_quote(r->pool, t->username), t->expires_at,
        threads_json_quote(r->pool, t->scope),
        threads_json_quote(r->pool, threads_token_type_name(t->type)));
    return threads_page_send(r, HTTP_OK, "application/json", body, 0);
}

/* The callback's endpoints, by the parameter that selects them; the first
 * present wins, so an error report is never taken for a code. */
static const struct {
    const char *param;
    int (*handle)(request_rec *r, threads_callback_t *cb);
} threads_flow_routes[] = {
    {"error", threads_flow_error},   {"code", threads_flow_code},
    {"logout", threads_flow_logout}, {"login", threads_flow_login},
    {"info", threads_flow_info},
};

int threads_flow_handler(request_rec *r)
{
    threads_callback_t cb;
    const char *bad = NULL;
    apr_size_t i;

    if (r->main || !threads_flow_is_callback(r)) {
        return DECLINED;
    }
    if (!threads_config_complete(threads_config_server(r->server))) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
        threads_page_no_store(r);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    switch (threads_query_parse(r->pool, r->args, THREADS_PARAM_MAX, &cb.params,
                                &bad)) {
        case THREADS_QUERY_OK:
            break;
        case THREADS_QUERY_TOO_LONG:
            return threads_page_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                      NULL, "Bad sign-in request",
                                      "A parameter is too long.", "/", "Home");
        case THREADS_QUERY_DUPLICATE:
            return threads_page_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                      NULL, "Bad sign-in request",
                                      "A parameter is given twice.", "/",
                                      "Home");
        default:
            return threads_page_error(r, HTTP_BAD_REQUEST, "invalid_request",
                                      NULL, "Bad sign-in request",
                                      "The request is malformed.", "/", "Home");
    }
    for (i = 0; i < sizeof(threads_flow_routes) / sizeof(*threads_flow_routes);
         i++) {
        if (apr_table_get(cb.params, threads_flow_routes[i].param)) {
            return threads_flow_routes[i].handle(r, &cb);
        }
    }
    return threads_page_error(r, HTTP_BAD_REQUEST, "invalid_request", NULL,
                              "Bad sign-in request",
                              "This address is the end point of Sign in "
                              "with Threads and needs a code or an error.",
                              "/", "Home");
}
