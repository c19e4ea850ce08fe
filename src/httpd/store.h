/*
 * store.h: ThreadsRevocationCache, the shared store on httpd's socache
 * providers (shmcb on one machine, redis or memcache across machines).
 */
#ifndef THREADS_HTTPD_STORE_H
#define THREADS_HTTPD_STORE_H

#include "httpd/module.h"

typedef struct threads_store_t threads_store_t;

/* What every key of the module's in a store begins with. */
#define THREADS_STORE_KEY_PREFIX "threads:"

/* The key "threads:<app id>:<kind>:<id>", from p. */
const char *threads_store_key(apr_pool_t *p, const char *app_id,
                              const char *kind, const char *id);

/* The key of a secret (a state, a token): its fingerprint in upper-case
 * hex instead of the secret itself, since a provider logs the keys it
 * fails to write (mod_socache_redis AH03478, memcache AH00790). */
const char *threads_store_key_of_secret(apr_pool_t *p, const char *app_id,
                                        const char *kind, const char *secret);
/* The same from the fingerprint (core/seal.h), THREADS_FINGERPRINT_LEN
 * bytes at id. */
const char *threads_store_key_of_fingerprint(apr_pool_t *p, const char *app_id,
                                             const char *kind,
                                             const unsigned char *id);

/* pre_config: registers the store's mutex type with httpd's Mutex
 * directive. */
apr_status_t threads_store_register_mutex(apr_pool_t *pconf);

/* 1 when a socache provider of that name is loaded (check_config). */
int threads_store_provider_exists(const char *spec);

/* post_config: the store for spec ("<provider>[:<args>]"), created once
 * per distinct spec of this generation, with its mutex. NULL (logged)
 * when it cannot be made. */
threads_store_t *threads_store_setup(apr_pool_t *pconf, apr_pool_t *ptemp,
                                     server_rec *s, const char *spec);

/* child_init: reopens the mutex of every store in this child. */
void threads_store_child_init(apr_pool_t *pchild, server_rec *s);

/* Reads key into *value (NUL-terminated, *len bytes) from p. APR_NOTFOUND
 * when there is none; any other failure is the caller's to report with
 * threads_store_complain. After a failure of any call this process
 * neither reads, puts nor claims for a few seconds (APR_EAGAIN at once):
 * a store that is down does not slow every request, nor make its
 * provider log each one. Updates (revocations) are always tried. */
apr_status_t threads_store_get(threads_store_t *store, server_rec *s,
                               apr_pool_t *p, const char *key, char **value,
                               apr_size_t *len);

/* Writes key until expiry (Unix seconds). */
apr_status_t threads_store_put(threads_store_t *store, server_rec *s,
                               apr_pool_t *p, const char *key,
                               const char *value, apr_size_t len,
                               apr_int64_t expiry);

/* Changes the value of key: update gets the current value (NULL when
 * none) and returns the new one and its expiry, or NULL to leave it.
 * Under the store's mutex, two requests of this httpd never lose each
 * other's change; across servers the value is read back after the write
 * and merged again when another server wrote in between, so update must
 * be a merge: given a value that has its change, it returns that value.
 * Only two changes that overlap by more than a read and a write of the
 * store can still lose one. */
typedef const char *threads_store_update_fn(apr_pool_t *p, const char *current,
                                            apr_size_t len, void *ctx,
                                            apr_int64_t *expiry);
apr_status_t threads_store_update(threads_store_t *store, server_rec *s,
                                  apr_pool_t *p, const char *key,
                                  threads_store_update_fn *update, void *ctx);

/* Adds key unless it is there: APR_SUCCESS when this call added it,
 * APR_EEXIST when it was there. Under the store's mutex, of two requests
 * of this httpd one wins. Across servers the claim writes a random mark
 * and reads it back: of two servers that both found the key missing,
 * the one whose mark the store kept wins. */
apr_status_t threads_store_claim(threads_store_t *store, server_rec *s,
                                 apr_pool_t *p, const char *key,
                                 apr_int64_t expiry);

/* Logs a failed call to the store, at most once a minute per process
 * (a store that is down must not flood the log). */
void threads_store_complain(threads_store_t *store, request_rec *r,
                            const char *what, apr_status_t rv);

/* The spec the store was made from, for log lines. */
const char *threads_store_name(const threads_store_t *store);

#endif /* THREADS_HTTPD_STORE_H */
