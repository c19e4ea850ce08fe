/*
 * callback.c: the handler of the callback path (the path of
 * ThreadsRedirectUri): method and query checks, then the endpoint that the
 * query names, from one table.
 */
#include "httpd/callback.h"
#include "httpd/config.h"
#include "httpd/endpoint.h"
#include "httpd/page.h"
#include "httpd/session.h"

#include "http_protocol.h"

#include "core/bounds.h"
#include "core/query.h"

/* Which methods an endpoint takes. */
#define THREADS_GET  (AP_METHOD_BIT << M_GET)
#define THREADS_POST (AP_METHOD_BIT << M_POST)

/* The endpoints, by the parameter that selects them; the first present
 * wins, so an error report is never taken for a code. Those that keep or
 * change a login need the session. */
static const struct {
    const char *param;
    int (*handle)(request_rec *r, threads_callback_t *cb);
    apr_int64_t methods;
    int needs_session;
} threads_callback_routes[] = {
    {"error", threads_endpoint_error, THREADS_GET, 1},
    {"code", threads_endpoint_code, THREADS_GET, 1},
    {"logout", threads_endpoint_logout, THREADS_GET | THREADS_POST, 1},
    {"login", threads_endpoint_login, THREADS_GET, 1},
    {"info", threads_endpoint_info, THREADS_GET, 0},
    {"deauthorize", threads_endpoint_deauthorize, THREADS_POST, 0},
    {"delete", threads_endpoint_delete, THREADS_POST, 0},
    {"deletion", threads_endpoint_deletion, THREADS_GET, 0},
};

#define THREADS_ROUTES                                                         \
    (sizeof(threads_callback_routes) / sizeof(*threads_callback_routes))

/* The error page for a query that does not parse. */
static threads_page_error_e
threads_callback_bad_query(threads_query_status_e st)
{
    switch (st) {
        case THREADS_QUERY_TOO_LONG:
            return THREADS_PAGE_PARAM_TOO_LONG;
        case THREADS_QUERY_DUPLICATE:
            return THREADS_PAGE_PARAM_TWICE;
        default:
            return THREADS_PAGE_MALFORMED;
    }
}

/* The 405 answer, naming the methods the endpoint takes. */
static int threads_callback_wrong_method(request_rec *r, apr_int64_t methods)
{
    if ((methods & THREADS_GET) && (methods & THREADS_POST)) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, M_POST, -1);
    }
    else if (methods & THREADS_POST) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_POST, -1);
    }
    else {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    }
    threads_page_protect(r);
    return HTTP_METHOD_NOT_ALLOWED;
}

int threads_callback_handler(request_rec *r)
{
    threads_callback_t cb;
    threads_query_status_e st;
    apr_size_t i;

    if (r->main || !threads_config_is_callback(r)) {
        return DECLINED;
    }
    if (!threads_config_complete(threads_config_server(r->server))) {
        return DECLINED;
    }
    if (r->method_number != M_GET && r->method_number != M_POST) {
        return threads_callback_wrong_method(r, THREADS_GET | THREADS_POST);
    }
    st = threads_query_parse(r->pool, r->args, THREADS_PARAM_MAX, &cb.params,
                             NULL);
    if (st != THREADS_QUERY_OK) {
        return threads_page_error(r, threads_callback_bad_query(st), NULL);
    }
    for (i = 0; i < THREADS_ROUTES; i++) {
        if (!apr_table_get(cb.params, threads_callback_routes[i].param)) {
            continue;
        }
        if (!(threads_callback_routes[i].methods &
              (AP_METHOD_BIT << r->method_number))) {
            return threads_callback_wrong_method(
                r, threads_callback_routes[i].methods);
        }
        /* Without a session a state can be neither kept nor checked:
         * the sysadmin is told, not the user that the link expired. */
        if (threads_callback_routes[i].needs_session &&
            !threads_session_require(r)) {
            return threads_page_error(r, THREADS_PAGE_SESSION_MISSING, NULL);
        }
        return threads_callback_routes[i].handle(r, &cb);
    }
    if (r->method_number != M_GET) {
        return threads_callback_wrong_method(r, THREADS_GET);
    }
    return threads_page_error(r, THREADS_PAGE_NO_ENDPOINT, NULL);
}
