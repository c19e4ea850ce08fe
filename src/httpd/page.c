/*
 * page.c: every response the module writes itself.
 *
 * All of them carry Cache-Control: no-store, are UTF-8, and escape every
 * value that came from the request or from Threads.
 */
#include "httpd/counters.h"
#include "httpd/page.h"
#include "httpd/request.h"

#include "http_core.h"
#include "http_protocol.h"
#include "apr_hash.h"
#include "apr_strings.h"

#include "core/escape.h"

/* One error page. */
typedef struct {
    int status;
    const char *error; /* THREADS_ERROR */
    const char *title;
    const char *message;
    const char *link_text;
} threads_page_row_t;

/* Indexed by threads_page_error_e. */
static const threads_page_row_t threads_page_rows[] = {
    [THREADS_PAGE_STATE_EXPIRED] = {HTTP_BAD_REQUEST, "invalid_state",
                                    "Sign-in expired",
                                    "This sign-in link has expired or was "
                                    "already used. Please start again.",
                                    "Sign in with Threads"},
    [THREADS_PAGE_NO_CODE] = {HTTP_BAD_REQUEST, "invalid_request",
                              "Sign-in failed",
                              "Threads sent no authorization code.",
                              "Try again"},
    [THREADS_PAGE_TOKEN_REJECTED] = {HTTP_FORBIDDEN, "token_rejected",
                                     "Sign-in failed",
                                     "Threads did not accept this sign-in.",
                                     "Try again"},
    [THREADS_PAGE_THREADS_TIMEOUT] = {HTTP_GATEWAY_TIME_OUT, "threads_timeout",
                                      "Sign-in failed",
                                      "Threads did not answer in time. "
                                      "Please try again.",
                                      "Try again"},
    [THREADS_PAGE_THREADS_DOWN] = {HTTP_BAD_GATEWAY, "threads_unavailable",
                                   "Sign-in failed",
                                   "Threads could not be reached or gave "
                                   "an unusable answer. Please try again.",
                                   "Try again"},
    [THREADS_PAGE_CANCELLED] = {HTTP_FORBIDDEN, "access_denied",
                                "Sign-in cancelled",
                                "Sign-in with Threads was cancelled.",
                                "Try again"},
    [THREADS_PAGE_AUTHORIZE_ERROR] = {HTTP_BAD_REQUEST, "error",
                                      "Sign-in cancelled",
                                      "Sign-in with Threads was cancelled "
                                      "because of an error.",
                                      "Try again"},
    [THREADS_PAGE_BAD_LOGIN_LINK] = {HTTP_BAD_REQUEST, "invalid_request",
                                     "Bad sign-in link",
                                     "A sign-in link may only lead to a "
                                     "page of this site.",
                                     "Home"},
    [THREADS_PAGE_BAD_LOGOUT_LINK] = {HTTP_BAD_REQUEST, "invalid_request",
                                      "Bad sign-out link",
                                      "A sign-out link may only lead to a "
                                      "page of this site.",
                                      "Home"},
    [THREADS_PAGE_PARAM_TOO_LONG] = {HTTP_BAD_REQUEST, "invalid_request",
                                     "Bad sign-in request",
                                     "A parameter is too long.", "Home"},
    [THREADS_PAGE_PARAM_TWICE] = {HTTP_BAD_REQUEST, "invalid_request",
                                  "Bad sign-in request",
                                  "A parameter is given twice.", "Home"},
    [THREADS_PAGE_MALFORMED] = {HTTP_BAD_REQUEST, "invalid_request",
                                "Bad sign-in request",
                                "The request is malformed.", "Home"},
    [THREADS_PAGE_NO_ENDPOINT] = {HTTP_BAD_REQUEST, "invalid_request",
                                  "Bad sign-in request",
                                  "This address is the end point of Sign "
                                  "in with Threads and needs a code or an "
                                  "error.",
                                  "Home"},
    [THREADS_PAGE_SESSION_MISSING] = {HTTP_INTERNAL_SERVER_ERROR,
                                      "session_unavailable",
                                      "Sign-in is not available",
                                      "This site cannot keep a sign-in: its "
                                      "session is not set up. The error log "
                                      "says what is missing.",
                                      "Home"},
    [THREADS_PAGE_NO_USERNAME] = {HTTP_BAD_GATEWAY, "profile_unavailable",
                                  "Sign-in failed",
                                  "Threads did not tell this site your "
                                  "username. Please try again.",
                                  "Try again"},
};

/* Adds the tidy filter to r once. */
static void threads_page_add_tidy(request_rec *r)
{
    threads_request_t *st = threads_request_of(r);

    if (!st->tidy_added) {
        st->tidy_added = 1;
        ap_add_output_filter(THREADS_PAGE_TIDY_FILTER, NULL, r, r->connection);
    }
}

void threads_page_protect(request_rec *r)
{
    /* err_headers_out survives ap_die(), so redirects and errors keep
     * them. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Pragma", "no-cache");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    threads_request_state(r)->marked = 1;
    threads_page_add_tidy(r);
}

void threads_page_insert_filter(request_rec *r)
{
    if (r->prev && threads_request_state(r)->marked) {
        threads_page_add_tidy(r);
    }
}

void threads_page_insert_error_filter(request_rec *r)
{
    /* httpd's error path starts the filters afresh. */
    threads_request_of(r)->tidy_added = 0;
    if (threads_request_state(r)->marked) {
        threads_page_add_tidy(r);
    }
}

/* apr_table_do callback: appends a value not seen yet to the array. */
static int threads_page_collect(void *rec, const char *key, const char *value)
{
    apr_array_header_t *seen = rec;
    int i;

    for (i = 0; i < seen->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(seen, i, const char *), value)) {
            return 1;
        }
    }
    APR_ARRAY_PUSH(seen, const char *) = value;
    return 1;
}

/* Runs after mod_session's and mod_headers' filters, before the headers go
 * out: mod_session removes a cookie in both header tables (two Set-Cookie
 * lines) and adds its own "Cache-Control: no-cache, private" beside ours,
 * and an ErrorDocument's page (static, CGI, a site's Header directives)
 * may bring its own caching and referrer policy: the module's answer has
 * one of each, its own. */
apr_status_t threads_page_tidy_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    apr_array_header_t *cookies = apr_array_make(r->pool, 2, sizeof(char *));
    int i;

    apr_table_do(threads_page_collect, cookies, r->headers_out, "Set-Cookie",
                 NULL);
    apr_table_do(threads_page_collect, cookies, r->err_headers_out,
                 "Set-Cookie", NULL);
    apr_table_unset(r->headers_out, "Set-Cookie");
    apr_table_unset(r->err_headers_out, "Set-Cookie");
    for (i = 0; i < cookies->nelts; i++) {
        apr_table_addn(r->err_headers_out, "Set-Cookie",
                       APR_ARRAY_IDX(cookies, i, const char *));
    }
    apr_table_unset(r->headers_out, "Cache-Control");
    apr_table_unset(r->headers_out, "Pragma");
    apr_table_unset(r->headers_out, "Referrer-Policy");
    apr_table_unset(r->headers_out, "Expires");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Pragma", "no-cache");
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

void threads_page_from_hook(request_rec *r)
{
    ap_run_insert_filter(r);
}

int threads_page_send(request_rec *r, int status, const char *content_type,
                      const char *body)
{
    threads_page_protect(r);
    r->status = status;
    ap_set_content_type(r, content_type);
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only) {
        ap_rputs(body, r);
    }
    return DONE;
}

int threads_page_redirect(request_rec *r, const char *location)
{
    const char *body;

    apr_table_setn(r->headers_out, "Location", location);
    body = apr_pstrcat(r->pool,
                       "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                       "<title>Redirecting</title></head><body>"
                       "<p><a href=\"",
                       threads_html_escape(r->pool, location),
                       "\">Continue</a></p></body></html>\n", NULL);
    return threads_page_send(r, HTTP_MOVED_TEMPORARILY,
                             "text/html; charset=utf-8", body);
}

/* A small escaped HTML page: title, then body (already HTML). */
static const char *threads_page_html(apr_pool_t *p, const char *title,
                                     const char *body)
{
    return apr_pstrcat(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        "<title>",
        threads_html_escape(p, title), "</title></head>\n<body>\n<h1>",
        threads_html_escape(p, title), "</h1>\n", body, "</body></html>\n",
        NULL);
}

int threads_page_confirm_logout(request_rec *r, const char *action)
{
    const char *body =
        apr_pstrcat(r->pool,
                    "<p>Another site sent you here to sign out of Sign in with "
                    "Threads.</p>\n<form method=\"post\" action=\"",
                    threads_html_escape(r->pool, action),
                    "\"><button type=\"submit\">Sign out</button></form>\n"
                    "<p><a href=\"/\">Stay signed in</a></p>\n",
                    NULL);

    return threads_page_send(r, HTTP_OK, "text/html; charset=utf-8",
                             threads_page_html(r->pool, "Sign out?", body));
}

int threads_page_deletion_status(request_rec *r, apr_int64_t when,
                                 int sessions_ended)
{
    char date[APR_RFC822_DATE_LEN];
    const char *body;

    if (!when) {
        body = "<p>No data deletion request has this code.</p>\n";
        return threads_page_send(
            r, HTTP_NOT_FOUND, "text/html; charset=utf-8",
            threads_page_html(r->pool, "Unknown deletion request", body));
    }
    apr_rfc822_date(date, apr_time_from_sec(when));
    body = apr_pstrcat(
        r->pool, "<p>The deletion request of ",
        threads_html_escape(r->pool, date),
        " is done: this site keeps nothing of the account beyond the "
        "sign-in cookie of a browser",
        sessions_ended
            ? ", and no sign-in from before the request is accepted.</p>\n"
            : ". A browser signed in before the request stays signed in "
              "until that sign-in expires or the browser signs out.</p>\n",
        NULL);
    return threads_page_send(r, HTTP_OK, "text/html; charset=utf-8",
                             threads_page_html(r->pool, "Data deleted", body));
}

/* 1 when httpd has a page of the sysadmin's for status here: an
 * ErrorDocument (a "default" one included: that asks for httpd's own) or
 * an ap_custom_response of another module. Read from core's public
 * configuration, as httpd's error path reads it. */
static int threads_page_has_error_document(request_rec *r, int status)
{
    int index = ap_index_of_response(status);
    core_request_config *rc = ap_get_core_module_config(r->request_config);
    core_dir_config *dc = ap_get_core_module_config(r->per_dir_config);

    if (rc && rc->response_code_strings && rc->response_code_strings[index]) {
        return 1;
    }
    return dc && dc->response_code_exprs &&
           apr_hash_get(dc->response_code_exprs, &index, sizeof(index));
}

/* Sets a request note and environment variable for an ErrorDocument. */
static void threads_page_set_var(request_rec *r, const char *name,
                                 const char *value)
{
    if (value) {
        apr_table_set(r->notes, name, value);
        apr_table_set(r->subprocess_env, name, value);
    }
}

/* The escaped HTML of an error page. */
static const char *threads_page_error_html(apr_pool_t *p,
                                           const threads_page_row_t *row,
                                           const char *description,
                                           const char *link_url)
{
    return threads_page_html(
        p, row->title,
        apr_pstrcat(
            p, "<p>", threads_html_escape(p, row->message), "</p>\n",
            description ? apr_pstrcat(p, "<p class=\"detail\">",
                                      threads_html_escape(p, description),
                                      "</p>\n", NULL)
                        : "",
            "<p><a href=\"", threads_html_escape(p, link_url), "\">",
            threads_html_escape(p, row->link_text), "</a></p>\n", NULL));
}

int threads_page_error(request_rec *r, threads_page_error_e which,
                       const threads_page_detail_t *detail)
{
    static const threads_page_detail_t none = {NULL, NULL, NULL};
    const threads_page_row_t *row = &threads_page_rows[which];

    if (!detail) {
        detail = &none;
    }
    threads_page_set_var(r, "THREADS_ERROR",
                         detail->error ? detail->error : row->error);
    threads_page_set_var(r, "THREADS_ERROR_DESCRIPTION", detail->description);
    threads_page_protect(r);

    /* The sysadmin's own page wins: httpd's error path serves it. */
    if (threads_page_has_error_document(r, row->status)) {
        return row->status;
    }
    return threads_page_send(
        r, row->status, "text/html; charset=utf-8",
        threads_page_error_html(r->pool, row, detail->description,
                                detail->link_url ? detail->link_url : "/"));
}

void threads_page_pass_error(request_rec *r)
{
    static const char *const names[] = {"THREADS_ERROR",
                                        "THREADS_ERROR_DESCRIPTION"};
    apr_size_t i;

    for (i = 0; r->prev && i < sizeof(names) / sizeof(*names); i++) {
        const char *v = apr_table_get(r->prev->notes, names[i]);

        if (v) {
            apr_table_setn(r->notes, names[i], v);
            apr_table_setn(r->subprocess_env, names[i], v);
        }
    }
}

int threads_page_login_required(request_rec *r, const char *login_url)
{
    const char *body =
        apr_pstrcat(r->pool, "{\"error\":\"login_required\",\"login_url\":",
                    threads_json_quote(r->pool, login_url), "}\n", NULL);

    threads_count(THREADS_C_UNAUTHORIZED);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Threads realm=\"Sign in with Threads\"");
    if (threads_page_has_error_document(r, HTTP_UNAUTHORIZED)) {
        threads_page_protect(r);
        return HTTP_UNAUTHORIZED;
    }
    return threads_page_send(r, HTTP_UNAUTHORIZED, "application/json", body);
}
