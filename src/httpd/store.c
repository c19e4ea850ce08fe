/*
 * store.c: ThreadsRevocationCache on httpd's socache API.
 *
 * Every value is kept as "<expiry>:<value>", so the entries of a store in
 * httpd's own memory (shmcb) can be carried over restarts: when the
 * configuration pool goes (a graceful restart, a restart, a stop) they
 * are written to a file in DefaultRuntimeDir, mode 0600, and the next
 * generation puts back those not yet expired. A revocation made before a
 * restart still holds after it.
 *
 * The instance is created and initialised in post_config (single-threaded,
 * parent) on the configuration pool, with a cleanup that destroys it there
 * too: that pool is cleared before httpd unloads the module and the
 * provider. A global mutex guards the providers that are not safe across
 * processes and threads (shmcb), and every read-modify-write of the
 * module's values; children reopen it in child_init.
 *
 * Keys are namespaced with the module's name and the app id by the
 * callers, so one redis may serve several apps.
 */
#include "httpd/counters.h"
#include "httpd/store.h"
#include "httpd/store_marks.h"

#include "http_main.h"
#include "ap_provider.h"
#include "ap_socache.h"
#include "apr_atomic.h"
#include "apr_file_io.h"
#include "apr_global_mutex.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "util_mutex.h"

#include "core/codec.h"
#include "core/seal.h"
#include "core/text.h"

/* The mutex type in httpd's Mutex directive. */
#define THREADS_STORE_MUTEX "threads-oauth-cache"
/* The largest value read from the store. */
#define THREADS_STORE_VALUE_MAX 4096
/* How often a failing store is logged, per process. */
#define THREADS_STORE_COMPLAINT_SECONDS 60
/* After a failed call, how long this process neither reads from nor
 * writes to the store: requests do not each wait on a store that is down
 * (a dropped connection costs the provider's whole timeout), nor each
 * make the provider log its own error. */
#define THREADS_STORE_BACKOFF_SECONDS 5
/* How often a process proves with a write that a store answering "not
 * found" is there at all: apr_redis and apr_memcache answer "not found"
 * for every key once they have marked their server dead, which would
 * otherwise look like a store with no revocations. */
#define THREADS_STORE_HEARTBEAT_SECONDS 5
#define THREADS_STORE_HEARTBEAT_KEY     THREADS_STORE_KEY_PREFIX "heartbeat"

struct threads_store_t {
    const char *spec; /* "<provider>[:<args>]" as configured */
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex;
    int provider_needs_mutex; /* AP_SOCACHE_FLAG_NOTMPSAFE */
    threads_store_t *next;    /* the other stores of this generation */
    /* When this process last logged a failure, and until when it reads
     * nothing (Unix seconds). Updated with atomics: requests of every
     * thread may fail at once. */
    volatile apr_uint32_t last_complaint;
    volatile apr_uint32_t backoff_until;
    volatile apr_uint32_t heartbeat_at; /* when a write last succeeded */
    const char *keep_file; /* where the entries wait over a restart */
    /* For a store in httpd's own memory, which keys it can hold; NULL
     * for the others, which other servers write too. */
    threads_store_marks_t *marks;
    /* The longest an entry can be kept (seconds), or 0 for no limit. */
    apr_int64_t keep_max;
};

/* memcached reads a time to live over 30 days as a Unix time, and
 * mod_socache_memcache sends a relative one: an entry kept longer would
 * be in 1970, gone at once. Its entries are kept 30 days at most. */
#define THREADS_STORE_MEMCACHE          "memcache"
#define THREADS_STORE_MEMCACHE_KEEP_MAX (30 * 86400)

/* The provider whose memory is this httpd's alone. */
#define THREADS_STORE_OWN_MEMORY "shmcb"

/* The stores of this generation: written in post_config only, read by
 * child_init and (through each server's configuration) by requests. */
static threads_store_t *threads_stores;

/* Hints for providers that size themselves: keys of ~48 bytes, values of
 * ~64, expiry checked every minute. */
static struct ap_socache_hints threads_store_hints = {48, 64,
                                                      60 * APR_USEC_PER_SEC};

apr_status_t threads_store_register_mutex(apr_pool_t *pconf)
{
    threads_stores = NULL;
    return ap_mutex_register(pconf, THREADS_STORE_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}

/* The provider name of spec, and its arguments (NULL when none). */
static const char *threads_store_split(apr_pool_t *p, const char *spec,
                                       const char **args)
{
    const char *colon = strchr(spec, ':');

    *args = colon ? colon + 1 : NULL;
    return colon ? apr_pstrmemdup(p, spec, colon - spec) : spec;
}

int threads_store_provider_exists(const char *spec)
{
    char name[64];
    const char *colon = strchr(spec, ':');
    apr_size_t len = colon ? (apr_size_t)(colon - spec) : strlen(spec);

    if (len == 0 || len >= sizeof(name)) {
        return 0;
    }
    memcpy(name, spec, len);
    name[len] = '\0';
    return ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                              AP_SOCACHE_PROVIDER_VERSION) != NULL;
}

/* ------------------------------------------------------------------ */
/* Over a restart                                                      */
/* ------------------------------------------------------------------ */

/* The file of a store's entries over a restart: one per spec. */
static const char *threads_store_keep_path(apr_pool_t *pconf, const char *spec)
{
    return ap_runtime_dir_relative(
        pconf, apr_psprintf(pconf, "threads_oauth_store_%08x.dat",
                            threads_fnv1a(spec, strlen(spec))));
}

/* The expiry of a kept value ("<expiry>:..."), or 0. */
static apr_int64_t threads_store_kept_expiry(const unsigned char *data,
                                             unsigned int len)
{
    const unsigned char *colon = memchr(data, ':', len);
    char digits[20];
    apr_int64_t expiry = 0;
    apr_size_t n = colon ? (apr_size_t)(colon - data) : 0;

    if (n == 0 || n >= sizeof(digits)) {
        return 0;
    }
    memcpy(digits, data, n);
    digits[n] = '\0';
    return threads_text_parse_positive(digits, &expiry) ? expiry : 0;
}

/* socache iterator: writes one live entry of the module as
 * "<key> <value>" in base64url to the file of ctx. */
static apr_status_t threads_store_save_one(ap_socache_instance_t *instance,
                                           server_rec *s, void *ctx,
                                           const unsigned char *id,
                                           unsigned int idlen,
                                           const unsigned char *data,
                                           unsigned int datalen, apr_pool_t *p)
{
    apr_file_t *f = ctx;

    if (idlen < sizeof(THREADS_STORE_KEY_PREFIX) - 1 ||
        memcmp(id, THREADS_STORE_KEY_PREFIX,
               sizeof(THREADS_STORE_KEY_PREFIX) - 1) ||
        threads_store_kept_expiry(data, datalen) <=
            apr_time_sec(apr_time_now())) {
        return APR_SUCCESS;
    }
    return apr_file_printf(f, "%s %s\n", threads_base64url_encode(p, id, idlen),
                           threads_base64url_encode(p, data, datalen)) > 0
               ? APR_SUCCESS
               : APR_EGENERAL;
}

/* Configuration pool cleanup, before the instance goes: the live entries
 * to the keep file. Providers that keep nothing in httpd's memory (redis,
 * memcache) have no iterator, and need none. */
static apr_status_t threads_store_save(void *data)
{
    threads_store_t *store = data;
    apr_pool_t *p;
    apr_file_t *f;
    apr_status_t rv;

    if (!store->instance || !store->provider->iterate ||
        apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    rv = apr_file_open(&f, store->keep_file,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, p);
    if (rv == APR_SUCCESS) {
        if (apr_global_mutex_lock(store->mutex) == APR_SUCCESS) {
            rv = store->provider->iterate(store->instance, ap_server_conf, f,
                                          threads_store_save_one, p);
            apr_global_mutex_unlock(store->mutex);
        }
        apr_file_close(f);
        if (APR_STATUS_IS_ENOTIMPL(rv)) {
            apr_file_remove(store->keep_file, p);
        }
    }
    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOTIMPL(rv)) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, ap_server_conf,
                     THREADS_LOGNO(00228) "ThreadsRevocationCache %s: cannot "
                                          "keep its entries over the restart "
                                          "in %s",
                     store->spec, store->keep_file);
    }
    apr_pool_destroy(p);
    return APR_SUCCESS;
}

/* Puts back into a new instance the entries kept over the restart, those
 * not yet expired; the file goes afterwards. */
static void threads_store_restore(threads_store_t *store, server_rec *s,
                                  apr_pool_t *ptemp)
{
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_file_t *f;
    char line[2 * (THREADS_STORE_VALUE_MAX + 256)];
    int restored = 0;

    if (apr_file_open(&f, store->keep_file, APR_FOPEN_READ, APR_OS_DEFAULT,
                      ptemp) != APR_SUCCESS) {
        return;
    }
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
        unsigned char *key, *value;
        apr_size_t key_len, value_len;
        apr_int64_t expiry;

        if (!sp || !nl) {
            continue;
        }
        *sp = *nl = '\0';
        if (threads_base64url_decode(ptemp, line, &key, &key_len) !=
                APR_SUCCESS ||
            threads_base64url_decode(ptemp, sp + 1, &value, &value_len) !=
                APR_SUCCESS) {
            continue;
        }
        expiry = threads_store_kept_expiry(value, (unsigned int)value_len);
        if (expiry > now && store->marks) {
            threads_store_marks_set(store->marks, (const char *)key, key_len);
        }
        if (expiry > now &&
            store->provider->store(
                store->instance, s, key, (unsigned int)key_len,
                apr_time_from_sec(expiry), value, (unsigned int)value_len,
                ptemp) == APR_SUCCESS) {
            restored++;
        }
    }
    apr_file_close(f);
    apr_file_remove(store->keep_file, ptemp);
    if (restored) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                     THREADS_LOGNO(00229) "ThreadsRevocationCache %s: %d "
                                          "entries kept over the restart",
                     store->spec, restored);
    }
}

/* Pool cleanup: the instance goes with its generation. */
static apr_status_t threads_store_destroy(void *data)
{
    threads_store_t *store = data;

    if (store->instance) {
        store->provider->destroy(store->instance, ap_server_conf);
        store->instance = NULL;
    }
    return APR_SUCCESS;
}

threads_store_t *threads_store_setup(apr_pool_t *pconf, apr_pool_t *ptemp,
                                     server_rec *s, const char *spec)
{
    threads_store_t *store;
    const char *args, *name, *err;
    apr_status_t rv;

    for (store = threads_stores; store; store = store->next) {
        if (!strcmp(store->spec, spec)) {
            return store;
        }
    }
    store = apr_pcalloc(pconf, sizeof(*store));
    store->spec = spec;
    name = threads_store_split(ptemp, spec, &args);
    if (!strcmp(name, THREADS_STORE_MEMCACHE)) {
        store->keep_max = THREADS_STORE_MEMCACHE_KEEP_MAX;
    }
    store->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                         AP_SOCACHE_PROVIDER_VERSION);
    if (!store->provider) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00216) "ThreadsRevocationCache %s: no "
                                          "socache provider %s is loaded",
                     spec, name);
        return NULL;
    }
    store->provider_needs_mutex =
        (store->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) != 0;
    rv = ap_global_mutex_create(&store->mutex, NULL, THREADS_STORE_MUTEX, NULL,
                                s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00217) "ThreadsRevocationCache %s: cannot "
                                          "create its mutex",
                     spec);
        return NULL;
    }
    err = store->provider->create(&store->instance, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00218) "ThreadsRevocationCache %s: %s", spec,
                     err);
        return NULL;
    }
    rv = store->provider->init(store->instance, "threads-oauth",
                               &threads_store_hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00219) "ThreadsRevocationCache %s: cannot "
                                          "initialise the store",
                     spec);
        return NULL;
    }
    apr_pool_cleanup_register(pconf, store, threads_store_destroy,
                              apr_pool_cleanup_null);
    /* Registered after the destroy, so it runs first. */
    store->keep_file = threads_store_keep_path(pconf, spec);
    if (!strcmp(name, THREADS_STORE_OWN_MEMORY)) {
        store->marks = threads_store_marks_create(pconf);
    }
    if (store->provider->iterate) {
        threads_store_restore(store, s, ptemp);
        apr_pool_cleanup_register(pconf, store, threads_store_save,
                                  apr_pool_cleanup_null);
    }
    store->next = threads_stores;
    threads_stores = store;
    return store;
}

void threads_store_child_init(apr_pool_t *pchild, server_rec *s)
{
    threads_store_t *store;

    for (store = threads_stores; store; store = store->next) {
        apr_status_t rv = apr_global_mutex_child_init(
            &store->mutex, apr_global_mutex_lockfile(store->mutex), pchild);

        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                         THREADS_LOGNO(00220) "ThreadsRevocationCache %s: "
                                              "cannot reopen its mutex",
                         store->spec);
        }
    }
}

/* Locks the mutex when the provider needs it for every call. */
static apr_status_t threads_store_lock_for_provider(threads_store_t *store)
{
    return store->provider_needs_mutex ? apr_global_mutex_lock(store->mutex)
                                       : APR_SUCCESS;
}

static void threads_store_unlock_for_provider(threads_store_t *store)
{
    if (store->provider_needs_mutex) {
        apr_global_mutex_unlock(store->mutex);
    }
}

/* The provider's retrieve, without locking. */
static apr_status_t threads_store_retrieve(threads_store_t *store,
                                           server_rec *s, apr_pool_t *p,
                                           const char *key, char **value,
                                           apr_size_t *len)
{
    unsigned char *buf = apr_palloc(p, THREADS_STORE_VALUE_MAX + 1);
    unsigned int n = THREADS_STORE_VALUE_MAX;
    apr_status_t rv = store->provider->retrieve(
        store->instance, s, (const unsigned char *)key,
        (unsigned int)strlen(key), buf, &n, p);
    const char *colon;

    *value = NULL;
    *len = 0;
    if (rv != APR_SUCCESS) {
        return rv;
    }
    buf[n] = '\0';
    colon = memchr(buf, ':', n);
    if (!colon ||
        !threads_text_all_digits((const char *)buf,
                                 (apr_size_t)(colon - (char *)buf), 20)) {
        /* Written before values carried their expiry: all of it is the
         * value (a record, a claim), read as such, and replaced by the
         * next write. */
        *value = (char *)buf;
        *len = n;
        return APR_SUCCESS;
    }
    *value = (char *)colon + 1;
    *len = n - (apr_size_t)(colon + 1 - (const char *)buf);
    return APR_SUCCESS;
}

/* The provider's store, without locking. */
static apr_status_t threads_store_write(threads_store_t *store, server_rec *s,
                                        apr_pool_t *p, const char *key,
                                        const char *value, apr_size_t len,
                                        apr_int64_t expiry)
{
    char *kept = apr_psprintf(p, "%" APR_INT64_T_FMT ":", expiry);
    apr_size_t head = strlen(kept);

    kept = apr_pstrcat(p, kept, apr_pstrmemdup(p, value, len), NULL);
    if (store->marks) {
        threads_store_marks_set(store->marks, key, strlen(key));
    }
    if (store->keep_max) {
        apr_int64_t latest = apr_time_sec(apr_time_now()) + store->keep_max;

        if (expiry > latest) {
            expiry = latest;
        }
    }
    return store->provider->store(
        store->instance, s, (const unsigned char *)key,
        (unsigned int)strlen(key), apr_time_from_sec(expiry),
        (unsigned char *)kept, (unsigned int)(head + len), p);
}

/* After a "not found": APR_SUCCESS when the store has shown it is there
 * within THREADS_STORE_HEARTBEAT_SECONDS (a write now, if need be), else
 * the write's failure. */
static apr_status_t threads_store_heartbeat(threads_store_t *store,
                                            server_rec *s, apr_pool_t *p,
                                            apr_uint32_t now)
{
    apr_status_t rv;

    if (now - apr_atomic_read32(&store->heartbeat_at) <
        THREADS_STORE_HEARTBEAT_SECONDS) {
        return APR_SUCCESS;
    }
    rv = threads_store_lock_for_provider(store);
    if (rv == APR_SUCCESS) {
        rv = threads_store_write(store, s, p, THREADS_STORE_HEARTBEAT_KEY, "1",
                                 1, now + 60);
        threads_store_unlock_for_provider(store);
    }
    if (rv == APR_SUCCESS) {
        apr_atomic_set32(&store->heartbeat_at, now);
    }
    /* A dead redis answers a write with "not found" too: here that is a
     * failure, not an empty store. */
    return APR_STATUS_IS_NOTFOUND(rv) ? APR_EGENERAL : rv;
}

/* 1 while this process backs off from store after a failure. */
static int threads_store_backing_off(threads_store_t *store, apr_uint32_t now)
{
    return now < apr_atomic_read32(&store->backoff_until);
}

/* The seconds of now, as the backoff counts them. */
static apr_uint32_t threads_store_now(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

/* rv, a failed call: backs this process off the store, counted from the
 * end of the call (a call that timed out took seconds), and only ever
 * later (threads failing at once each raise it). */
static apr_status_t threads_store_failed(threads_store_t *store,
                                         apr_status_t rv)
{
    apr_uint32_t until = threads_store_now() + THREADS_STORE_BACKOFF_SECONDS;
    apr_uint32_t seen;

    do {
        seen = apr_atomic_read32(&store->backoff_until);
    } while (seen < until &&
             apr_atomic_cas32(&store->backoff_until, until, seen) != seen);
    return rv;
}

apr_status_t threads_store_get(threads_store_t *store, server_rec *s,
                               apr_pool_t *p, const char *key, char **value,
                               apr_size_t *len)
{
    apr_uint32_t now = threads_store_now();
    apr_status_t rv;

    if (threads_store_backing_off(store, now)) {
        *value = NULL;
        *len = 0;
        return APR_EAGAIN;
    }
    if (store->marks &&
        !threads_store_marks_maybe(store->marks, key, strlen(key))) {
        /* Never written: no lock, no lookup (store_marks.c). */
        *value = NULL;
        *len = 0;
        return APR_NOTFOUND;
    }
    rv = threads_store_lock_for_provider(store);
    if (rv == APR_SUCCESS) {
        rv = threads_store_retrieve(store, s, p, key, value, len);
        threads_store_unlock_for_provider(store);
    }
    /* Only a store of other machines can be marked dead by its client
     * and answer "not found" for everything; one in httpd's own memory
     * (with marks) cannot, and needs no write under its mutex. */
    if (APR_STATUS_IS_NOTFOUND(rv) && !store->marks) {
        apr_status_t alive = threads_store_heartbeat(store, s, p, now);

        if (alive != APR_SUCCESS) {
            rv = alive;
        }
    }
    if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv)) {
        return threads_store_failed(store, rv);
    }
    return rv;
}

apr_status_t threads_store_put(threads_store_t *store, server_rec *s,
                               apr_pool_t *p, const char *key,
                               const char *value, apr_size_t len,
                               apr_int64_t expiry)
{
    apr_uint32_t now = threads_store_now();
    apr_status_t rv;

    if (threads_store_backing_off(store, now)) {
        return APR_EAGAIN;
    }
    rv = threads_store_lock_for_provider(store);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = threads_store_write(store, s, p, key, value, len, expiry);
    threads_store_unlock_for_provider(store);
    return rv == APR_SUCCESS ? rv : threads_store_failed(store, rv);
}

/* Random bytes in a claim's mark. */
#define THREADS_STORE_CLAIM_MARK_BYTES 12

/* How many times an update or a claim reads back what it wrote. */
#define THREADS_STORE_READ_BACKS 3

/* Writes update's answer to key and reads it back until the store holds
 * a value that already has the change in it: the socache API has no
 * compare-and-set, and the store's mutex holds only on this server, so
 * another server may write between this read and this write. Reading
 * back and merging again makes two changes made at once both stay, as
 * long as update is a merge (applying it to a value that has the change
 * gives that value again). Locked by the caller. */
static apr_status_t threads_store_merge(threads_store_t *store, server_rec *s,
                                        apr_pool_t *p, const char *key,
                                        threads_store_update_fn *update,
                                        void *ctx)
{
    char *current;
    apr_size_t len;
    int tries;
    apr_status_t rv = threads_store_retrieve(store, s, p, key, &current, &len);

    for (tries = 0; tries < THREADS_STORE_READ_BACKS; tries++) {
        apr_int64_t expiry = 0;
        const char *next;

        if (rv != APR_SUCCESS && !APR_STATUS_IS_NOTFOUND(rv)) {
            return rv;
        }
        next = update(p, rv == APR_SUCCESS ? current : NULL, len, ctx, &expiry);
        if (!next || (rv == APR_SUCCESS && len == strlen(next) &&
                      !memcmp(current, next, len))) {
            return APR_SUCCESS; /* the store holds the change */
        }
        rv = threads_store_write(store, s, p, key, next, strlen(next), expiry);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = threads_store_retrieve(store, s, p, key, &current, &len);
    }
    /* Still changing under us after every read back: the last write
     * stands, which holds the change unless another server wrote after
     * this last read. Read back as missing, every write was lost: a
     * failure, not a change held. */
    if (APR_STATUS_IS_NOTFOUND(rv)) {
        return APR_EGENERAL;
    }
    return rv;
}

apr_status_t threads_store_update(threads_store_t *store, server_rec *s,
                                  apr_pool_t *p, const char *key,
                                  threads_store_update_fn *update, void *ctx)
{
    apr_status_t rv;

    /* Always tried, backing off or not: updates are revocations (a
     * logout, Meta's callbacks), rare and each worth its wait, where a
     * skipped one would leave a session valid that should have ended. */
    rv = apr_global_mutex_lock(store->mutex);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = threads_store_merge(store, s, p, key, update, ctx);
    apr_global_mutex_unlock(store->mutex);
    if (rv != APR_SUCCESS) {
        return threads_store_failed(store, rv);
    }
    /* The store answered: it is back, for lookups too. */
    apr_atomic_set32(&store->backoff_until, 0);
    return rv;
}

apr_status_t threads_store_claim(threads_store_t *store, server_rec *s,
                                 apr_pool_t *p, const char *key,
                                 apr_int64_t expiry)
{
    char *current, *mark;
    apr_size_t len;
    apr_uint32_t now = threads_store_now();
    apr_status_t rv;

    if (threads_store_backing_off(store, now)) {
        return APR_EAGAIN;
    }
    /* The value a claim writes: random, so that reading it back tells
     * this claim from another server's claim of the same key. */
    rv = threads_random_base64url(p, THREADS_STORE_CLAIM_MARK_BYTES, &mark);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_global_mutex_lock(store->mutex);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = threads_store_retrieve(store, s, p, key, &current, &len);
    if (rv == APR_SUCCESS) {
        rv = APR_EEXIST;
    }
    else if (APR_STATUS_IS_NOTFOUND(rv)) {
        rv = threads_store_write(store, s, p, key, mark, strlen(mark), expiry);
        if (rv == APR_SUCCESS) {
            /* Of two servers that both found nothing, the one whose mark
             * the store kept wins; the other reads that mark back. */
            rv = threads_store_retrieve(store, s, p, key, &current, &len);
            if (rv == APR_SUCCESS && strcmp(current, mark)) {
                rv = APR_EEXIST;
            }
        }
    }
    apr_global_mutex_unlock(store->mutex);
    /* A "not found" after the write: the write did not hold. */
    return rv == APR_SUCCESS || APR_STATUS_IS_EEXIST(rv)
               ? rv
               : threads_store_failed(store, rv);
}

const char *threads_store_key(apr_pool_t *p, const char *app_id,
                              const char *kind, const char *id)
{
    return apr_pstrcat(p, THREADS_STORE_KEY_PREFIX, app_id, ":", kind, ":", id,
                       NULL);
}

const char *threads_store_key_of_fingerprint(apr_pool_t *p, const char *app_id,
                                             const char *kind,
                                             const unsigned char *id)
{
    char hex[2 * THREADS_FINGERPRINT_LEN + 1];

    threads_text_hex_encode(hex, id, THREADS_FINGERPRINT_LEN);
    return threads_store_key(p, app_id, kind, hex);
}

const char *threads_store_key_of_secret(apr_pool_t *p, const char *app_id,
                                        const char *kind, const char *secret)
{
    unsigned char id[THREADS_FINGERPRINT_LEN];

    return threads_fingerprint(secret, id) == APR_SUCCESS
               ? threads_store_key_of_fingerprint(p, app_id, kind, id)
               : NULL;
}

void threads_store_complain(threads_store_t *store, request_rec *r,
                            const char *what, apr_status_t rv)
{
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(apr_time_now());
    apr_uint32_t last = apr_atomic_read32(&store->last_complaint);

    threads_count(THREADS_C_STORE_FAILED);
    if (now - last < THREADS_STORE_COMPLAINT_SECONDS ||
        apr_atomic_cas32(&store->last_complaint, now, last) != last) {
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                  THREADS_LOGNO(00221) "ThreadsRevocationCache %s: %s failed "
                                       "(said once a minute at most)",
                  store->spec, what);
}

const char *threads_store_name(const threads_store_t *store)
{
    return store->spec;
}
