/*
 * endpoint_links.c: the callback's endpoints for links of the site's own
 * pages: ?login= (Sign in with Threads), ?logout= and ?info=json.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/endpoint.h"
#include "httpd/login.h"
#include "httpd/page.h"
#include "httpd/request.h"
#include "httpd/revoke.h"
#include "httpd/session.h"

#include "apr_strings.h"

#include "core/bounds.h"
#include "core/escape.h"
#include "core/url.h"

/* The local URL named by a logout= or login= parameter ("" means /), or
 * NULL for any other URL. */
static const char *threads_links_local_param(threads_callback_t *cb,
                                             const char *name)
{
    const char *url = apr_table_get(cb->params, name);

    if (!*url) {
        return "/";
    }
    return threads_url_is_local(url) ? url : NULL;
}

/* The scope a login from the callback asks for: this location's, plus
 * what the current token already has. */
static const threads_scope_t *threads_links_login_scope(request_rec *r)
{
    const threads_scope_t *scope = threads_config_scope(r);
    threads_token_t *t = threads_request_valid_token(r);
    const threads_scope_t *had;

    if (!t) {
        return scope;
    }
    had = threads_scope_parse(r->pool, t->scope, NULL);
    return had ? threads_scope_union(r->pool, had, scope) : scope;
}

/* 1 when another site started this request (Sec-Fetch-Site: cross-site):
 * a link or form elsewhere may not log the user out unasked. */
static int threads_links_cross_site(request_rec *r)
{
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");

    return site && !strcasecmp(site, "cross-site");
}

/* Ends the login t holds in the store: this login, or with everywhere
 * every login of its user. A store that fails is logged; the browser's
 * own cookie is cleared all the same. */
static void threads_links_revoke(request_rec *r, const threads_token_t *t,
                                 int everywhere)
{
    if (!t || !threads_revoke_enabled(r)) {
        return;
    }
    if ((everywhere ? threads_revoke_user(r, t->user_id)
                    : threads_revoke_login(r, t)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00112) "logout of user %s: only this "
                                           "browser's cookie was cleared",
                      t->user_id);
    }
}

int threads_endpoint_logout(request_rec *r, threads_callback_t *cb)
{
    const char *url = threads_links_local_param(cb, "logout");
    const char *all = apr_table_get(cb->params, "everywhere");
    int everywhere = all && !strcmp(all, "1");
    threads_token_t *t;

    if (!url) {
        return threads_page_error(r, THREADS_PAGE_BAD_LOGOUT_LINK, NULL);
    }
    if (threads_links_cross_site(r)) {
        /* The button posts back to this very URL, from this site. */
        return threads_page_confirm_logout(r, threads_login_return_url(r));
    }
    t = threads_request_load_token(r);
    if (t) {
        threads_count(THREADS_C_REVOKED_LOGOUT);
    }
    threads_links_revoke(r, t, everywhere);
    if (threads_session_clear(r) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  THREADS_LOGNO(00106) "logged out%s",
                  t && everywhere ? " everywhere" : "");
    return threads_page_redirect(r, url);
}

int threads_endpoint_login(request_rec *r, threads_callback_t *cb)
{
    const char *url = threads_links_local_param(cb, "login");

    if (!url) {
        return threads_page_error(r, THREADS_PAGE_BAD_LOGIN_LINK, NULL);
    }
    /* As for any login: a URL too long to keep returns to the home page. */
    if (strlen(url) > THREADS_RETURN_URL_MAX) {
        url = "/";
    }
    return threads_login_start(r, url, threads_links_login_scope(r));
}

int threads_endpoint_info(request_rec *r, threads_callback_t *cb)
{
    threads_token_t *t = threads_request_valid_token(r);
    const char *body;

    if (!t) {
        return threads_page_login_required(
            r, threads_login_link(r, threads_login_return_url(r)));
    }
    body = apr_psprintf(
        r->pool,
        "{\"user_id\":%s,\"username\":%s,\"expires_at\":%" APR_INT64_T_FMT
        ",\"scope\":%s,\"token_type\":%s}\n",
        threads_json_quote(r->pool, t->user_id),
        threads_json_quote(r->pool, t->username), t->expires_at,
        threads_json_quote(r->pool, t->scope),
        threads_json_quote(r->pool, threads_token_type_name(t->type)));
    return threads_page_send(r, HTTP_OK, "application/json", body);
}
