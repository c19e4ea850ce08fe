/*
 * token_cache.c: the token last opened on a connection.
 *
 * A browser sends the same session cookie with every request of a
 * kept-alive connection; opening the sealed token (base64url, AES-GCM)
 * and decoding its record is most of what a logged-in request costs the
 * module. So each connection keeps the last sealed text it opened, and
 * what it opened to: a request whose entry is that very text, under the
 * same server's keys, gets a copy. The text is compared in full, so a
 * hit gives exactly what opening it would; the expiry, the revocation
 * and the scope are judged on every request, as before.
 *
 * A connection runs one request at a time (its subrequests and internal
 * redirects inside it), so the entry needs no lock. Entries live in the
 * connection's pool, never freed before it: a request that took strings
 * from an entry may still run, or wait to be logged (pipelined requests
 * end in order), when the next one replaces it. A connection whose value
 * changes more than THREADS_TOKEN_CACHE_FILLS times (logins, refreshes)
 * stops keeping one, so its memory stays bounded.
 */
#include "httpd/config.h"
#include "httpd/token_cache.h"

#include "apr_strings.h"

/* How many entries one connection may make. */
#define THREADS_TOKEN_CACHE_FILLS 8

/* One connection's entry, in its conn_config slot. */
typedef struct {
    int fills;        /* entries made on this connection */
    const void *keys; /* whose keys opened it: a server's key list */
    const char *sealed;
    apr_size_t sealed_len;
    const threads_token_t *token; /* NULL while empty */
} threads_token_cache_t;

static threads_token_cache_t *threads_token_cache_of(conn_rec *c)
{
    return ap_get_module_config(c->conn_config, &threads_oauth_module);
}

threads_token_t *threads_token_cache_get(request_rec *r, const char *sealed)
{
    const threads_token_cache_t *cache = threads_token_cache_of(r->connection);
    apr_size_t len;

    if (!cache || !cache->token ||
        cache->keys != threads_config_server(r->server)->keys) {
        return NULL;
    }
    len = strlen(sealed);
    if (len != cache->sealed_len || memcmp(sealed, cache->sealed, len)) {
        return NULL;
    }
    return apr_pmemdup(r->pool, cache->token, sizeof(*cache->token));
}

void threads_token_cache_put(request_rec *r, const char *sealed,
                             const threads_token_t *t)
{
    conn_rec *c = r->connection;
    threads_token_cache_t *cache = threads_token_cache_of(c);

    if (!cache) {
        cache = apr_pcalloc(c->pool, sizeof(*cache));
        ap_set_module_config(c->conn_config, &threads_oauth_module, cache);
    }
    if (cache->fills >= THREADS_TOKEN_CACHE_FILLS) {
        cache->token = NULL; /* no entry now: each request opens its own */
        return;
    }
    cache->fills++;
    cache->keys = threads_config_server(r->server)->keys;
    cache->sealed_len = strlen(sealed);
    cache->sealed = apr_pstrmemdup(c->pool, sealed, cache->sealed_len);
    cache->token = threads_token_copy(c->pool, t);
}
