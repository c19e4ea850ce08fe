/*
 * session.c: the module's values in mod_session, sealed.
 *
 * Two entries: the logged-in token record and the list of pending logins.
 * Each is sealed on its own, with its entry name as associated data, so a
 * value cannot be replayed under the other name. A value that does not
 * open counts as absent: "not logged in", never an error.
 */
#include "httpd/config.h"
#include "httpd/keys.h"
#include "httpd/session.h"
#include "httpd/token_cache.h"

#include "apr_optional.h"
#include "apr_strings.h"
#include "mod_session.h"

#define THREADS_SESSION_TOKEN   "threads.token"
#define THREADS_SESSION_PENDING "threads.pending"

/* Browsers drop cookies over 4096 bytes (name, value and attributes). Our
 * two values stay within this, leaving room for the cookie's name, its
 * attributes, mod_session's expiry and an application's own entries. */
#define THREADS_SESSION_BUDGET 3400
/* The token entry's share: the largest token Threads may send (sealed, it
 * takes about 2900) always fits; a profile that would not is left out. The
 * rest keeps room for a pending login (a second login, a step-up). */
#define THREADS_SESSION_TOKEN_BUDGET 3000

/* mod_session's functions, looked up once in check_config (single-threaded,
 * before any request) and only read afterwards. */
static APR_OPTIONAL_FN_TYPE(ap_session_load) * threads_session_load_fn;
static APR_OPTIONAL_FN_TYPE(ap_session_get) * threads_session_get_fn;
static APR_OPTIONAL_FN_TYPE(ap_session_set) * threads_session_set_fn;

apr_status_t threads_session_init(void)
{
    threads_session_load_fn = APR_RETRIEVE_OPTIONAL_FN(ap_session_load);
    threads_session_get_fn = APR_RETRIEVE_OPTIONAL_FN(ap_session_get);
    threads_session_set_fn = APR_RETRIEVE_OPTIONAL_FN(ap_session_set);
    if (!threads_session_load_fn || !threads_session_get_fn ||
        !threads_session_set_fn) {
        return APR_ENOTIMPL;
    }
    return APR_SUCCESS;
}

/* The session of r, or NULL when Session On does not cover it. */
static session_rec *threads_session_of(request_rec *r)
{
    session_rec *z = NULL;

    if (threads_session_load_fn(r, &z) != APR_SUCCESS) {
        return NULL;
    }
    return z;
}

int threads_session_require(request_rec *r)
{
    session_rec *z = NULL;
    apr_status_t rv = threads_session_load_fn(r, &z);

    if (rv == APR_SUCCESS && z) {
        return 1;
    }
    if (rv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00051) "no session for %s: Session On "
                                           "must cover this path (and the "
                                           "callback's)",
                      r->uri);
    }
    else {
        /* mod_session found no store to load the session from. */
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      THREADS_LOGNO(00057) "Session On covers %s but no "
                                           "session store is set for it: "
                                           "SessionCookieName "
                                           "(mod_session_cookie) or "
                                           "SessionDBDCookieName "
                                           "(mod_session_dbd)",
                      r->uri);
    }
    return 0;
}

/* The sealed text of entry name; NULL when absent or empty. */
static const char *threads_session_sealed(request_rec *r, const char *name)
{
    session_rec *z = threads_session_of(r);
    const char *sealed = NULL;

    if (!z || threads_session_get_fn(r, z, name, &sealed) != APR_SUCCESS ||
        !sealed || !*sealed) {
        return NULL;
    }
    return sealed;
}

/* Opens sealed, the text of entry name; NULL when it does not open. */
static char *threads_session_unseal(request_rec *r, const char *name,
                                    const char *sealed)
{
    char *plain = threads_keys_open(r, name, sealed);

    if (!plain) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00050) "session value %s does not open "
                                           "(other key or tampered): ignored",
                      name);
    }
    return plain;
}

/* Opens the sealed entry name; NULL when absent or not opening. */
static char *threads_session_open(request_rec *r, const char *name)
{
    const char *sealed = threads_session_sealed(r, name);

    return sealed ? threads_session_unseal(r, name, sealed) : NULL;
}

/* Seals plain under the current key and sets it; NULL plain removes. */
static apr_status_t threads_session_put(request_rec *r, const char *name,
                                        const char *plain)
{
    session_rec *z = threads_session_of(r);
    char *sealed = NULL;
    apr_status_t rv;

    if (!z) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00058) "cannot write %s: no session for "
                                           "%s",
                      name, r->uri);
        return APR_ENOTIMPL;
    }
    if (plain) {
        sealed = threads_keys_seal(r, name, plain);
        if (!sealed) {
            return APR_EGENERAL;
        }
    }
    rv = threads_session_set_fn(r, z, name, sealed);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      THREADS_LOGNO(00053) "mod_session refused to set %s",
                      name);
    }
    return rv;
}

/* The requests of a kept-alive connection bring the same sealed text:
 * opened and decoded once per connection (token_cache.c). */
threads_token_t *threads_session_read_token(request_rec *r)
{
    const char *sealed = threads_session_sealed(r, THREADS_SESSION_TOKEN);
    threads_token_t *t;
    char *plain;

    if (!sealed) {
        return NULL;
    }
    t = threads_token_cache_get(r, sealed);
    if (t) {
        return t;
    }
    plain = threads_session_unseal(r, THREADS_SESSION_TOKEN, sealed);
    if (!plain) {
        return NULL;
    }
    t = apr_pcalloc(r->pool, sizeof(*t));
    if (threads_token_decode(r->pool, plain, t) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00054) "session token record is not "
                                           "valid: ignored");
        return NULL;
    }
    threads_token_cache_put(r, sealed, t);
    return t;
}

apr_status_t threads_session_write_token(request_rec *r,
                                         const threads_token_t *t)
{
    threads_token_t kept;
    char *plain;

    if (!t) {
        return threads_session_put(r, THREADS_SESSION_TOKEN, NULL);
    }
    /* The name goes first, then the username: the login works without
     * them, and a cookie over 4 KB would be dropped by the browser. */
    kept = *t;
    plain = threads_token_encode(r->pool, &kept);
    if (threads_sealed_length(strlen(plain)) > THREADS_SESSION_TOKEN_BUDGET) {
        kept.name = NULL;
        plain = threads_token_encode(r->pool, &kept);
    }
    /* Where ThreadsRemoteUser username needs it, the username stays: a
     * login without it fails rather than naming nobody. */
    if (threads_sealed_length(strlen(plain)) > THREADS_SESSION_TOKEN_BUDGET &&
        !threads_config_server(r->server)->username_wanted) {
        kept.username = NULL;
        plain = threads_token_encode(r->pool, &kept);
    }
    if (threads_sealed_length(strlen(plain)) > THREADS_SESSION_TOKEN_BUDGET) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00055) "the token of user %s is too "
                                           "large to keep in a cookie",
                      t->user_id);
        return APR_ENOSPC;
    }
    if (kept.name != t->name || kept.username != t->username) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      THREADS_LOGNO(00056) "profile of user %s left out of "
                                           "the session: too large for a "
                                           "cookie",
                      t->user_id);
    }
    return threads_session_put(r, THREADS_SESSION_TOKEN, plain);
}

apr_array_header_t *threads_session_read_pending(request_rec *r)
{
    return threads_pending_decode(
        r->pool, threads_session_open(r, THREADS_SESSION_PENDING));
}

/* Removes a token entry that does not open (tampered, or sealed under a
 * key no longer listed): it is junk, and would otherwise crowd a new
 * login's state out of the cookie. */
static apr_status_t threads_session_drop_junk_token(request_rec *r)
{
    session_rec *z = threads_session_of(r);
    const char *sealed = NULL;

    if (z &&
        threads_session_get_fn(r, z, THREADS_SESSION_TOKEN, &sealed) ==
            APR_SUCCESS &&
        sealed && *sealed && !threads_session_open(r, THREADS_SESSION_TOKEN)) {
        return threads_session_put(r, THREADS_SESSION_TOKEN, NULL);
    }
    return APR_SUCCESS;
}

/* Characters the sealed token entry takes in the session now. */
static apr_size_t threads_session_token_size(request_rec *r)
{
    session_rec *z = threads_session_of(r);
    const char *sealed = NULL;

    if (!z ||
        threads_session_get_fn(r, z, THREADS_SESSION_TOKEN, &sealed) !=
            APR_SUCCESS ||
        !sealed) {
        return 0;
    }
    return strlen(sealed);
}

/* Removes the oldest pending login. */
static void threads_session_drop_oldest(apr_array_header_t *list)
{
    memmove(list->elts, list->elts + list->elt_size,
            (apr_size_t)(list->nelts - 1) * list->elt_size);
    list->nelts--;
}

apr_status_t threads_session_write_pending(request_rec *r,
                                           apr_array_header_t *list)
{
    apr_size_t token_size, budget;
    apr_status_t rv;
    char *plain;

    rv = threads_session_drop_junk_token(r);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    token_size = threads_session_token_size(r);
    budget = token_size < THREADS_SESSION_BUDGET
                 ? THREADS_SESSION_BUDGET - token_size
                 : 0;
    plain = threads_pending_encode(r->pool, list);

    /* Oldest first: drop from the front until the cookie fits. */
    while (list->nelts > 1 && threads_sealed_length(strlen(plain)) > budget) {
        threads_session_drop_oldest(list);
        plain = threads_pending_encode(r->pool, list);
    }
    /* The newest alone does not fit: it returns to / like a login whose
     * URL is too long to keep. */
    if (list->nelts == 1 && threads_sealed_length(strlen(plain)) > budget) {
        APR_ARRAY_IDX(list, 0, threads_pending_t).return_url = "/";
        plain = threads_pending_encode(r->pool, list);
        if (threads_sealed_length(strlen(plain)) > budget) {
            threads_session_drop_oldest(list);
        }
    }
    return threads_session_put(r, THREADS_SESSION_PENDING,
                               list->nelts ? plain : NULL);
}

apr_status_t threads_session_clear(request_rec *r)
{
    apr_status_t rv = threads_session_put(r, THREADS_SESSION_TOKEN, NULL);

    if (rv == APR_SUCCESS) {
        rv = threads_session_put(r, THREADS_SESSION_PENDING, NULL);
    }
    return rv;
}

/* apr_table_do callback: 0 (stop) at a Cookie header naming an entry of
 * the module's. */
static int threads_session_cookie_unnamed(void *found, const char *key,
                                          const char *value)
{
    if (strstr(value, THREADS_SESSION_TOKEN) ||
        strstr(value, THREADS_SESSION_PENDING)) {
        *(int *)found = 1;
        return 0;
    }
    return 1;
}

int threads_session_in_cookies(request_rec *r)
{
    int found = 0;

    apr_table_do(threads_session_cookie_unnamed, &found, r->headers_in,
                 "Cookie", NULL);
    return found;
}

int threads_session_holds_values(request_rec *r)
{
    return threads_session_sealed(r, THREADS_SESSION_TOKEN) != NULL ||
           threads_session_sealed(r, THREADS_SESSION_PENDING) != NULL;
}
