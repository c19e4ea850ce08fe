/*
 * revoke.c: revocation through ThreadsRevocationCache (revoke.h).
 *
 * Everything about one user lives in one entry (core/revocation.h), so
 * the request path makes one lookup. Keys are
 *   threads:<app id>:u:<user id>   the user's revocation record
 *   threads:<app id>:s:<HEX>       a state already used, HEX the
 *                                  first 16 bytes of its SHA-256
 * and each entry expires when nothing it guards can still be valid.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/revoke.h"
#include "httpd/store.h"

#include "apr_strings.h"
#include "apr_time.h"

#include "core/bounds.h"
#include "core/revocation.h"

/* The app id that r's store keys carry. */
static const char *threads_revoke_app(request_rec *r)
{
    return threads_config_server(r->server)->app_id;
}

/* The store of r's server, or NULL. */
static threads_store_t *threads_revoke_store(request_rec *r)
{
    return threads_config_server(r->server)->store;
}

int threads_revoke_enabled(request_rec *r)
{
    return threads_revoke_store(r) != NULL;
}

int threads_revoke_covers(request_rec *r, const threads_token_t *t)
{
    threads_store_t *store = threads_revoke_store(r);
    threads_revocation_t *rev;
    char *value;
    apr_size_t len;
    apr_status_t rv;

    if (!store) {
        return 0;
    }
    rv = threads_store_get(
        store, r->server, r->pool,
        threads_store_key(r->pool, threads_revoke_app(r), "u", t->user_id),
        &value, &len);
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        threads_store_complain(store, r, "a revocation lookup", rv);
        return 0;
    }
    if (threads_revocation_decode(r->pool, value, len, &rev) != APR_SUCCESS) {
        threads_store_complain(store, r, "reading a revocation record",
                               APR_EINVAL);
        return 0;
    }
    if (!threads_revocation_covers(rev, t->login_at, t->login_id)) {
        return 0;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  THREADS_LOGNO(00222) "the login of user %s was revoked",
                  t->user_id);
    return 1;
}

/* What one revocation adds to a user's record. */
typedef struct {
    const char *login_id; /* NULL: every login up to now */
    apr_int64_t until;    /* the login's token expiry */
    apr_int64_t now;
} threads_revoke_change_t;

/* threads_store_update callback: the record with the change applied. A
 * record that does not read is replaced (a revocation never waits on a
 * broken entry). */
static const char *threads_revoke_apply(apr_pool_t *p, const char *current,
                                        apr_size_t len, void *ctx,
                                        apr_int64_t *expiry)
{
    const threads_revoke_change_t *change = ctx;
    threads_revocation_t *rev = NULL;

    if (!current ||
        threads_revocation_decode(p, current, len, &rev) != APR_SUCCESS) {
        rev = threads_revocation_make(p);
    }
    if (change->login_id) {
        threads_revocation_add_login(rev, change->login_id, change->until,
                                     change->now);
    }
    else {
        threads_revocation_add_user(rev, change->now,
                                    change->now + THREADS_TOKEN_LIFETIME_MAX);
    }
    *expiry = threads_revocation_expiry(rev, change->now);
    return threads_revocation_encode(p, rev);
}

/* Applies change to user_id's record. */
static apr_status_t threads_revoke_change(request_rec *r, const char *user_id,
                                          threads_revoke_change_t *change,
                                          const char *what)
{
    threads_store_t *store = threads_revoke_store(r);
    apr_status_t rv;

    if (!store) {
        return APR_ENOTIMPL;
    }
    rv = threads_store_update(
        store, r->server, r->pool,
        threads_store_key(r->pool, threads_revoke_app(r), "u", user_id),
        threads_revoke_apply, change);
    if (rv != APR_SUCCESS) {
        threads_count(THREADS_C_STORE_FAILED);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      THREADS_LOGNO(00223) "ThreadsRevocationCache %s: cannot "
                                           "record %s of user %s",
                      threads_store_name(store), what, user_id);
    }
    return rv;
}

apr_status_t threads_revoke_user(request_rec *r, const char *user_id)
{
    threads_revoke_change_t change = {NULL, 0, 0};

    change.now = apr_time_sec(apr_time_now());
    return threads_revoke_change(r, user_id, &change, "the revocation");
}

apr_status_t threads_revoke_login(request_rec *r, const threads_token_t *t)
{
    threads_revoke_change_t change = {NULL, 0, 0};

    change.now = apr_time_sec(apr_time_now());
    if (!t->login_id) {
        /* A record without a login id cannot be told apart from the
         * user's other logins: only its expiry ends it. */
        return APR_ENOTIMPL;
    }
    change.login_id = t->login_id;
    change.until = t->expires_at;
    /* A copy of a 60-day login may have been refreshed before this
     * logout, into a token that outlives this one: the revocation stays
     * as long as such a copy could (a revoked login is not refreshed
     * again). */
    if (t->type == THREADS_TOKEN_LONG &&
        change.until < change.now + THREADS_TOKEN_LIFETIME_MAX) {
        change.until = change.now + THREADS_TOKEN_LIFETIME_MAX;
    }
    return threads_revoke_change(r, t->user_id, &change, "the logout");
}

apr_status_t threads_revoke_use_state(request_rec *r, const char *state,
                                      apr_int64_t until)
{
    threads_store_t *store = threads_revoke_store(r);
    const char *key;
    apr_status_t rv;

    if (!store) {
        return APR_SUCCESS;
    }
    /* Keyed by the state's fingerprint: a provider logs the keys it
     * fails to write. */
    key =
        threads_store_key_of_secret(r->pool, threads_revoke_app(r), "s", state);
    if (!key) {
        threads_store_complain(store, r, "marking a state used", APR_EGENERAL);
        return APR_SUCCESS;
    }
    rv = threads_store_claim(store, r->server, r->pool, key, until);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        threads_store_complain(store, r, "marking a state used", rv);
        return APR_SUCCESS;
    }
    return rv;
}
