/*
 * threads_authn.c: AuthType Threads on the request path.
 *
 * header_parser removes client-sent X-Threads-* headers; check_authn
 * decides between "logged in", "start a login" and 401; fixups hands a
 * valid login to requests that did not need authentication (Require all
 * granted) and to subrequests, and the error variables to ErrorDocuments.
 */
#include "threads_oauth.h"

#include "http_core.h"
#include "http_protocol.h"
#include "apr_lib.h"
#include "apr_strings.h"

/* What reaches the application, in both spellings. */
typedef struct {
    const char *env;    /* note and environment variable */
    const char *header; /* request header for ThreadsPassAs headers */
} threads_authn_var_t;

enum {
    THREADS_VAR_TOKEN,
    THREADS_VAR_USER_ID,
    THREADS_VAR_EXPIRES,
    THREADS_VAR_TYPE,
    THREADS_VAR_SCOPE,
    THREADS_VAR_USERNAME,
    THREADS_VAR_NAME,
    THREADS_VAR_COUNT
};

static const threads_authn_var_t threads_authn_vars[THREADS_VAR_COUNT] = {
    {"THREADS_ACCESS_TOKEN", "X-Threads-Access-Token"},
    {"THREADS_USER_ID", "X-Threads-User-Id"},
    {"THREADS_TOKEN_EXPIRES", "X-Threads-Token-Expires"},
    {"THREADS_TOKEN_TYPE", "X-Threads-Token-Type"},
    {"THREADS_SCOPE", "X-Threads-Scope"},
    {"THREADS_USERNAME", "X-Threads-Username"},
    {"THREADS_NAME", "X-Threads-Name"},
};

/* The prefix of every header the module owns; a client may not send it. */
#define THREADS_HEADER_PREFIX     "x-threads-"
#define THREADS_HEADER_PREFIX_LEN 10

/* 1 when r is under AuthType Threads. */
static int threads_authn_is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);

    return type && !strcasecmp(type, THREADS_AUTH_TYPE);
}

/* The module's state for this very request_rec. */
static threads_request_t *threads_request_of(request_rec *r)
{
    threads_request_t *st =
        ap_get_module_config(r->request_config, &threads_oauth_module);

    if (!st) {
        st = apr_pcalloc(r->pool, sizeof(*st));
        ap_set_module_config(r->request_config, &threads_oauth_module, st);
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

/* 1 when a long-lived token may and should be refreshed now: Threads
 * refreshes tokens at least 24 hours old and not yet expired. */
static int threads_authn_refresh_due(const threads_server_conf_t *sc,
                                     const threads_token_t *t, apr_int64_t now)
{
    return t->type == THREADS_TOKEN_LONG && threads_config_long_lived(sc) &&
           now - t->issued_at >= THREADS_REFRESH_MIN_AGE &&
           t->expires_at > now &&
           t->expires_at - now <= threads_config_refresh_window(sc) &&
           now >= t->refresh_after;
}

/* Refreshes t in place and in the session. A failure keeps the current
 * token while it is valid and waits before the next try, so a Threads
 * outage does not add a call to every request. */
static void threads_authn_refresh(request_rec *r, threads_token_t *t,
                                  apr_int64_t now)
{
    threads_token_reply_t reply;

    if (threads_graph_refresh(r, t->access_token, &reply) == OK) {
        threads_token_apply(t, &reply, THREADS_TOKEN_LONG, now);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00154) "token of user %s refreshed, "
                                           "valid until %" APR_INT64_T_FMT,
                      t->user_id, t->expires_at);
    }
    else {
        t->refresh_after = now + THREADS_REFRESH_RETRY;
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00155) "token of user %s not refreshed; "
                                           "using it until %" APR_INT64_T_FMT,
                      t->user_id, t->expires_at);
    }
    threads_session_write_token(r, t);
}

threads_token_t *threads_request_token(request_rec *r)
{
    threads_request_t *st = threads_request_state(r);
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_int64_t now;
    threads_token_t *t;

    if (st->token_loaded) {
        return st->token;
    }
    st->token_loaded = 1;
    t = threads_session_read_token(r);
    if (!t) {
        return NULL;
    }
    now = apr_time_sec(apr_time_now());
    /* Subrequests and internal redirects never write the session. */
    if (!r->main && !r->prev && threads_authn_refresh_due(sc, t, now)) {
        threads_authn_refresh(r, t, now);
    }
    if (t->expires_at <= now) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00151) "token of user %s expired at "
                                           "%" APR_INT64_T_FMT,
                      t->user_id, t->expires_at);
        return NULL;
    }
    st->token = t;
    return t;
}

/* 1 when a header name is X-Threads-… with '-' or '_' in any case: CGI
 * maps both separators to the same variable. */
static int threads_authn_is_reserved_header(const char *name)
{
    int i;

    for (i = 0; i < THREADS_HEADER_PREFIX_LEN; i++) {
        char c = (char)apr_tolower(name[i]);
        char want = THREADS_HEADER_PREFIX[i];

        if (c == '\0' || (c != want && !(want == '-' && c == '_'))) {
            return 0;
        }
    }
    return 1;
}

/* 1 for the CGI variable of such a header (HTTP_X_THREADS_…). */
static int threads_authn_is_reserved_variable(const char *name)
{
    return !strncasecmp(name, "HTTP_X_THREADS_", 15);
}

/* Removes from t every entry whose name match() accepts; the removed
 * names, or NULL when there were none. Names are collected first: a
 * table must not change while it is walked. */
static apr_array_header_t *
threads_authn_unset_matching(apr_pool_t *p, apr_table_t *t,
                             int (*match)(const char *name))
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && match(e[i].key)) {
            if (!doomed) {
                doomed = apr_array_make(p, 4, sizeof(const char *));
            }
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        apr_table_unset(t, APR_ARRAY_IDX(doomed, i, const char *));
    }
    return doomed;
}

/* Removes every client-sent header the module owns; in a subrequest also
 * their CGI variables, which a parent outside AuthType Threads (an SSI
 * page) already put into the environment the subrequest inherits. */
static void threads_authn_scrub(request_rec *r)
{
    apr_array_header_t *removed = threads_authn_unset_matching(
        r->pool, r->headers_in, threads_authn_is_reserved_header);
    int i;

    for (i = 0; removed && i < removed->nelts; i++) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00152) "removed client header %s",
                      ap_escape_logitem(
                          r->pool, APR_ARRAY_IDX(removed, i, const char *)));
    }
    if (r->main) {
        threads_authn_unset_matching(r->pool, r->subprocess_env,
                                     threads_authn_is_reserved_variable);
    }
}

/* A header value without CR or LF, whatever it came from. */
static const char *threads_authn_header_safe(apr_pool_t *p, const char *v)
{
    char *copy, *c;

    if (!strpbrk(v, "\r\n")) {
        return v;
    }
    copy = apr_pstrdup(p, v);
    for (c = copy; *c; c++) {
        if (*c == '\r' || *c == '\n') {
            *c = ' ';
        }
    }
    return copy;
}

/* Hands a valid login to the application as ThreadsPassAs says. */
static void threads_authn_export(request_rec *r, const threads_token_t *t)
{
    const threads_dir_conf_t *dc = threads_config_dir(r);
    threads_pass_as_e pass = threads_config_pass_as(dc);
    const char *values[THREADS_VAR_COUNT];
    int i;

    values[THREADS_VAR_TOKEN] = t->access_token;
    values[THREADS_VAR_USER_ID] = t->user_id;
    values[THREADS_VAR_EXPIRES] =
        apr_psprintf(r->pool, "%" APR_INT64_T_FMT, t->expires_at);
    values[THREADS_VAR_TYPE] = threads_token_type_name(t->type);
    values[THREADS_VAR_SCOPE] = t->scope;
    values[THREADS_VAR_USERNAME] = t->username;
    values[THREADS_VAR_NAME] = t->name;

    r->user = threads_config_remote_user(dc) == THREADS_REMOTE_USER_USERNAME &&
                      t->username
                  ? (char *)t->username
                  : (char *)t->user_id;
    r->ap_auth_type = (char *)THREADS_AUTH_TYPE;
    for (i = 0; i < THREADS_VAR_COUNT; i++) {
        if (!values[i]) {
            continue;
        }
        apr_table_setn(r->notes, threads_authn_vars[i].env, values[i]);
        if (pass & THREADS_PASS_ENV) {
            apr_table_setn(r->subprocess_env, threads_authn_vars[i].env,
                           values[i]);
        }
        if (pass & THREADS_PASS_HEADERS) {
            apr_table_setn(r->headers_in, threads_authn_vars[i].header,
                           threads_authn_header_safe(r->pool, values[i]));
        }
    }
}

/* A top-level browser navigation, which may be sent to log in. */
static int threads_authn_is_navigation(request_rec *r)
{
    const char *v;

    if (r->method_number != M_GET) { /* HEAD counts as GET */
        return 0;
    }
    v = apr_table_get(r->headers_in, "X-Requested-With");
    if (v && !strcasecmp(v, "XMLHttpRequest")) {
        return 0;
    }
    v = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    if (v && strcasecmp(v, "navigate")) {
        return 0;
    }
    v = apr_table_get(r->headers_in, "Sec-Fetch-Dest");
    if (v && strcasecmp(v, "document")) {
        return 0;
    }
    return 1;
}

/* The token's scope as a set; NULL when it cannot be read. */
static threads_scope_t *threads_authn_token_scope(request_rec *r,
                                                  const threads_token_t *t)
{
    return t ? threads_scope_parse(r->pool, t->scope, NULL) : NULL;
}

int threads_authn_header_parser(request_rec *r)
{
    if (threads_authn_is_ours(r)) {
        threads_authn_scrub(r);
    }
    return DECLINED;
}

int threads_authn_check_user(request_rec *r)
{
    const threads_server_conf_t *sc;
    const threads_scope_t *want;
    threads_scope_t *have;
    threads_token_t *t;

    if (!threads_authn_is_ours(r)) {
        return DECLINED;
    }
    sc = threads_config_server(r->server);
    if (!threads_config_complete(sc)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00150) "AuthType Threads for %s, but "
                                           "this server lacks%s%s%s",
                      r->uri, sc->app_id ? "" : " ThreadsAppId",
                      sc->app_secret ? "" : " ThreadsAppSecret",
                      sc->redirect_uri ? "" : " ThreadsRedirectUri");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    threads_request_of(r)->authn_done = 1;
    /* header_parser cleaned main requests and internal redirects (httpd
     * runs it for every request without a parent); subrequests skip it. */
    if (r->main) {
        threads_authn_scrub(r);
    }

    t = threads_request_token(r);
    want = threads_config_scope(r);
    have = threads_authn_token_scope(r, t);
    if (t && have && threads_scope_covers(have, want)) {
        threads_authn_export(r, t);
        return OK;
    }
    /* The callback must stay reachable to finish a login: it has no user
     * to name, and serves no application. */
    if (threads_flow_is_callback(r)) {
        if (t) {
            threads_authn_export(r, t);
        }
        else {
            r->user = "";
        }
        return OK;
    }
    if (threads_config_unauth_action(threads_config_dir(r)) ==
        THREADS_UNAUTH_PASS) {
        if (t) {
            threads_authn_export(r, t);
            return OK;
        }
        /* Only "Require all granted" lets a visitor without a login go on;
         * a Require that wants a user gets no empty one from us. */
        return r->main || r->prev ? HTTP_UNAUTHORIZED
                                  : threads_page_login_required(r, 1);
    }
    /* Subrequests and internal redirects never start a login. */
    if (r->main || r->prev) {
        return HTTP_UNAUTHORIZED;
    }
    if (t) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00153) "token of user %s lacks scope "
                                           "for %s: step-up",
                      t->user_id, r->uri);
    }
    if (threads_config_unauth_action(threads_config_dir(r)) ==
            THREADS_UNAUTH_AUTH &&
        threads_authn_is_navigation(r)) {
        return threads_flow_start_login(
            r, threads_flow_return_url(r),
            have ? threads_scope_union(r->pool, have, want) : want, 1);
    }
    return threads_page_login_required(r, 1);
}

/* Hands THREADS_ERROR* of the failed request to its ErrorDocument. */
static void threads_authn_pass_error(request_rec *r)
{
    static const char *const names[] = {"THREADS_ERROR",
                                        "THREADS_ERROR_DESCRIPTION"};
    apr_size_t i;

    for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
        const char *v = apr_table_get(r->prev->notes, names[i]);
        if (v) {
            apr_table_setn(r->notes, names[i], v);
            apr_table_setn(r->subprocess_env, names[i], v);
        }
    }
}

int threads_authn_fixups(request_rec *r)
{
    threads_token_t *t;

    if (r->prev) {
        threads_authn_pass_error(r);
    }
    if (!threads_authn_is_ours(r) || threads_request_of(r)->authn_done) {
        return DECLINED;
    }
    /* No authentication was needed (Require all granted), or httpd reused
     * the parent's: a logged-in visitor still gets the variables. */
    if (r->main) {
        threads_authn_scrub(r);
    }
    t = threads_request_token(r);
    if (t) {
        threads_authn_export(r, t);
    }
    return DECLINED;
}
