/*
 * keys.c: the sealing keys of each server, derived once in post_config
 * (single-threaded, before any request) and only read afterwards.
 */
#include "httpd/config.h"
#include "httpd/keys.h"

#include "apr_strings.h"

#include "core/seal.h"

/* A sealing key derived from secret; NULL (logged) when that fails. */
static const threads_key_t *
threads_keys_derive(apr_pool_t *pconf, server_rec *s, const char *secret)
{
    threads_key_t *key = apr_palloc(pconf, sizeof(*key));
    apr_status_t rv = threads_key_derive(secret, strlen(secret), key);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00002) "cannot derive the session key");
        return NULL;
    }
    return key;
}

apr_status_t threads_keys_setup(apr_pool_t *pconf, server_rec *s)
{
    threads_server_conf_t *sc = threads_config_server(s);
    /* Nodes sharing the app secret (or session key) read each other's
     * sessions: the key is derived, never random. */
    const char *ikm = sc->session_key ? sc->session_key : sc->app_secret;

    sc->nkeys = 0;
    sc->keys[0] = threads_keys_derive(pconf, s, ikm);
    if (!sc->keys[0]) {
        return APR_EGENERAL;
    }
    sc->nkeys = 1;
    if (sc->session_key_old) {
        sc->keys[1] = threads_keys_derive(pconf, s, sc->session_key_old);
        if (!sc->keys[1]) {
            return APR_EGENERAL;
        }
        sc->nkeys = 2;
    }
    return APR_SUCCESS;
}
