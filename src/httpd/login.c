/*
 * login.c: starting a login: a pending login kept in the session and the
 * 302 to Threads' Authorization Window.
 *
 * The Authorization Window's URL is built from the directives only, and a
 * return URL is always the request's own local path; nothing is built
 * from Host or X-Forwarded-*.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/login.h"
#include "httpd/page.h"
#include "httpd/session.h"

#include "apr_strings.h"
#include "apr_uri.h"

#include "core/bounds.h"
#include "core/pending.h"
#include "core/query.h"
#include "core/url.h"

const char *threads_login_return_url(request_rec *r)
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

const char *threads_login_link(request_rec *r, const char *return_url)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    const char *const query[] = {"login", return_url, NULL};

    return threads_url_with_query(r->pool, sc->callback_link, query);
}

int threads_login_start(request_rec *r, const char *return_url,
                        const threads_scope_t *scope)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_array_header_t *pending;
    threads_pending_t *entry;
    const char *scope_list = threads_scope_join(r->pool, scope);
    char *state;

    if (!threads_session_require(r)) {
        return threads_page_error(r, THREADS_PAGE_SESSION_MISSING, NULL);
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
    threads_count(THREADS_C_LOGIN_STARTED);
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
            r, threads_url_with_query(r->pool, threads_config_authorize_url(sc),
                                      query));
    }
}
