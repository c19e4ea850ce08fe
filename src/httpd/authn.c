/*
 * authn.c: AuthType Threads on the request path.
 *
 * check_authn reads as named steps: load the session's token, refresh it
 * when due, decide one outcome, act on it in one place. header_parser
 * removes client-sent X-Threads-* headers; fixups hands a valid login to
 * requests that needed no authentication (Require all granted) and the
 * error variables to ErrorDocuments.
 */
#include "httpd/authn.h"
#include "httpd/config.h"
#include "httpd/export.h"
#include "httpd/login.h"
#include "httpd/page.h"
#include "httpd/refresh.h"
#include "httpd/request.h"

#include "http_core.h"
#include "http_protocol.h"

/* What check_authn does with a request. */
typedef enum {
    THREADS_AUTHN_LOGGED_IN,      /* a valid token that covers the scope */
    THREADS_AUTHN_CALLBACK,       /* the callback path: open to all */
    THREADS_AUTHN_PASS,           /* ThreadsUnauthAction pass, logged in */
    THREADS_AUTHN_START_LOGIN,    /* a navigation: off to Threads */
    THREADS_AUTHN_STEP_UP,        /* logged in, the scope wants more: the same,
                                     asking for both scopes */
    THREADS_AUTHN_LOGIN_REQUIRED, /* 401 with the login link; also for
                                     ThreadsUnauthAction pass without a
                                     login, which only Require all granted
                                     lets on (and then never asks here) */
    THREADS_AUTHN_INTERNAL_401,   /* a subrequest or internal redirect:
                                     they never start a login */
    THREADS_AUTHN_NO_USERNAME     /* ThreadsRemoteUser username, and the
                                     login holds none: a 502 page, not the
                                     id and not a login loop */
} threads_authn_outcome_e;

/* 1 when r is under AuthType Threads. */
static int threads_authn_is_ours(request_rec *r)
{
    const char *type = ap_auth_type(r);

    return type && !strcasecmp(type, THREADS_AUTH_TYPE);
}

/* The session's login for r: loaded, refreshed first when due (main
 * requests only), and kept only while unexpired. */
static threads_token_t *threads_authn_login(request_rec *r)
{
    threads_token_t *t = threads_request_load_token(r);

    if (t && !threads_request_is_internal(r) &&
        threads_refresh_if_due(r, t) == THREADS_REFRESH_DEAD) {
        threads_request_forget_token(r);
        return NULL;
    }
    return threads_request_valid_token(r);
}

/* 1 when t can name REMOTE_USER here: always by id, by username only
 * when the login holds one. */
static int threads_authn_nameable(request_rec *r, const threads_token_t *t)
{
    return threads_config_remote_user(threads_config_dir(r)) !=
               THREADS_REMOTE_USER_USERNAME ||
           t->username != NULL;
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

/* The one decision of check_authn. have is the token's scope (NULL
 * without a token). */
static threads_authn_outcome_e threads_authn_decide(request_rec *r,
                                                    const threads_token_t *t,
                                                    const threads_scope_t *have,
                                                    const threads_scope_t *want)
{
    threads_unauth_action_e action =
        threads_config_unauth_action(threads_config_dir(r));
    int nameable = t && threads_authn_nameable(r, t);

    if (nameable && have && threads_scope_covers(have, want)) {
        return THREADS_AUTHN_LOGGED_IN;
    }
    /* The callback must stay reachable to finish a login: it has no user
     * to name, and serves no application. */
    if (threads_config_is_callback(r)) {
        return THREADS_AUTHN_CALLBACK;
    }
    if (t && !nameable) {
        return threads_request_is_internal(r) ? THREADS_AUTHN_INTERNAL_401
                                              : THREADS_AUTHN_NO_USERNAME;
    }
    if (action == THREADS_UNAUTH_PASS && t) {
        return THREADS_AUTHN_PASS;
    }
    if (threads_request_is_internal(r)) {
        return THREADS_AUTHN_INTERNAL_401;
    }
    if (action == THREADS_UNAUTH_AUTH && threads_authn_is_navigation(r)) {
        return t ? THREADS_AUTHN_STEP_UP : THREADS_AUTHN_START_LOGIN;
    }
    return THREADS_AUTHN_LOGIN_REQUIRED;
}

/* The 401 JSON answer with the link that logs in and comes back here. */
static int threads_authn_login_required(request_rec *r)
{
    return threads_page_login_required(
        r, threads_login_link(r, threads_login_return_url(r)));
}

int threads_authn_header_parser(request_rec *r)
{
    if (threads_authn_is_ours(r)) {
        threads_export_scrub(r);
    }
    return DECLINED;
}

int threads_authn_check_user(request_rec *r)
{
    const threads_server_conf_t *sc;
    const threads_scope_t *want;
    threads_scope_t *have = NULL;
    threads_token_t *t;
    threads_authn_outcome_e outcome;

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
        threads_export_scrub(r);
    }

    t = threads_authn_login(r);
    want = threads_config_scope(r);
    if (t) {
        have = threads_scope_parse(r->pool, t->scope, NULL);
    }
    outcome = threads_authn_decide(r, t, have, want);

    /* The one place a login reaches the application. */
    if (t &&
        (outcome == THREADS_AUTHN_LOGGED_IN ||
         outcome == THREADS_AUTHN_CALLBACK || outcome == THREADS_AUTHN_PASS)) {
        threads_export_login(r, t);
    }
    switch (outcome) {
        case THREADS_AUTHN_LOGGED_IN:
        case THREADS_AUTHN_PASS:
            return OK;
        case THREADS_AUTHN_CALLBACK:
            if (!r->user) {
                r->user = "";
            }
            return OK;
        case THREADS_AUTHN_INTERNAL_401:
            return HTTP_UNAUTHORIZED;
        default:
            break;
    }

    /* The outcomes that answer the request from this hook. */
    if (outcome == THREADS_AUTHN_NO_USERNAME) {
        threads_page_detail_t detail = {NULL, NULL, NULL};

        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00157) "ThreadsRemoteUser username for "
                                           "%s, but the login of user %s "
                                           "holds no username",
                      r->uri, t->user_id);
        detail.link_url = threads_login_link(r, threads_login_return_url(r));
        threads_page_from_hook(r);
        return threads_page_error(r, THREADS_PAGE_NO_USERNAME, &detail);
    }
    if (t) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00153) "token of user %s lacks scope "
                                           "for %s: step-up",
                      t->user_id, r->uri);
    }
    threads_page_from_hook(r);
    if (outcome == THREADS_AUTHN_STEP_UP) {
        return threads_login_start(r, threads_login_return_url(r),
                                   threads_scope_union(r->pool, have, want));
    }
    if (outcome == THREADS_AUTHN_START_LOGIN) {
        return threads_login_start(r, threads_login_return_url(r), want);
    }
    return threads_authn_login_required(r);
}

int threads_authn_fixups(request_rec *r)
{
    threads_token_t *t;

    if (r->prev) {
        threads_page_pass_error(r);
    }
    if (!threads_authn_is_ours(r) || threads_request_of(r)->authn_done) {
        return DECLINED;
    }
    /* No authentication was needed (Require all granted), or httpd reused
     * the parent's: a logged-in visitor still gets the variables. */
    if (r->main) {
        threads_export_scrub(r);
    }
    t = threads_authn_login(r);
    if (t && threads_authn_nameable(r, t)) {
        threads_export_login(r, t);
    }
    return DECLINED;
}
