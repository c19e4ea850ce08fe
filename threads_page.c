/*
 * threads_page.c: every response the module writes itself.
 *
 * All of them carry Cache-Control: no-store, are UTF-8, and escape every
 * value that came from the request or from Threads.
 */
#include "threads_oauth.h"

#include "http_core.h"
#include "http_protocol.h"
#include "apr_strings.h"

/* Not in httpd's public headers, but exported: the ErrorDocument (or
 * ap_custom_response) configured for a status index, or NULL. */
char *ap_response_code_string(request_rec *r, int error_index);

void threads_page_no_store(request_rec *r)
{
    /* err_headers_out survives ap_die(), so redirects and errors keep it. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->err_headers_out, "Pragma", "no-cache");
}

int threads_page_send(request_rec *r, int status, const char *content_type,
                      const char *body, int early)
{
    /* From check_authn httpd has not inserted the output filters yet;
     * without them mod_session would not save what this request changed. */
    if (early) {
        ap_run_insert_filter(r);
    }
    threads_page_no_store(r);
    r->status = status;
    ap_set_content_type(r, content_type);
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only) {
        ap_rputs(body, r);
    }
    return DONE;
}

int threads_page_redirect(request_rec *r, const char *location, int early)
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
                             "text/html; charset=utf-8", body, early);
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

int threads_page_error(request_rec *r, int status, const char *error,
                       const char *description, const char *title,
                       const char *message, const char *link_url,
                       const char *link_text)
{
    apr_pool_t *p = r->pool;
    const char *body;

    threads_page_set_var(r, "THREADS_ERROR", error);
    threads_page_set_var(r, "THREADS_ERROR_DESCRIPTION", description);
    threads_page_no_store(r);

    /* The sysadmin's own page wins: httpd's error path serves it. */
    if (ap_response_code_string(r, ap_index_of_response(status))) {
        return status;
    }
    body = apr_pstrcat(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">"
        "<title>",
        threads_html_escape(p, title), "</title></head>\n<body>\n<h1>",
        threads_html_escape(p, title), "</h1>\n<p>",
        threads_html_escape(p, message), "</p>\n",
        description
            ? apr_pstrcat(p, "<p class=\"detail\">",
                          threads_html_escape(p, description), "</p>\n", NULL)
            : "",
        link_url
            ? apr_pstrcat(p, "<p><a href=\"", threads_html_escape(p, link_url),
                          "\">", threads_html_escape(p, link_text),
                          "</a></p>\n", NULL)
            : "",
        "</body></html>\n", NULL);
    return threads_page_send(r, status, "text/html; charset=utf-8", body, 0);
}

int threads_page_login_required(request_rec *r, int early)
{
    const char *login_url =
        threads_flow_login_url(r, threads_flow_return_url(r));
    const char *body =
        apr_pstrcat(r->pool, "{\"error\":\"login_required\",\"login_url\":",
                    threads_json_quote(r->pool, login_url), "}\n", NULL);

    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Threads realm=\"Sign in with Threads\"");
    if (ap_response_code_string(r, ap_index_of_response(HTTP_UNAUTHORIZED))) {
        threads_page_no_store(r);
        return HTTP_UNAUTHORIZED;
    }
    return threads_page_send(r, HTTP_UNAUTHORIZED, "application/json", body,
                             early);
}
