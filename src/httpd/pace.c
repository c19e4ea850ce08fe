/*
 * pace.c: the refresh pace (pace.h).
 *
 * The cookie alone cannot pace refreshes: every parallel request carries
 * the same cookie, and a client can replay an older one. So the server
 * keeps the pace: a table in shared memory, made in post_config and
 * inherited by every child, of token fingerprints and the time until
 * which each may not be refreshed again, behind one global mutex. With
 * ThreadsRevocationCache the claim is also made in the store, so servers
 * sharing it share the pace.
 */
#include "httpd/config.h"
#include "httpd/pace.h"
#include "httpd/store.h"

#include "apr_global_mutex.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_time.h"
#include "util_mutex.h"

#include "core/seal.h"
#include "core/text.h"

#define THREADS_PACE_MUTEX "threads-oauth-pace"
/* The wait after a refresh call, whatever came of it. */
#define THREADS_PACE_SECONDS 3600
/* Slots of the table (tokens refreshed within an hour) and how far a
 * lookup probes. */
#define THREADS_PACE_SLOTS 4096
#define THREADS_PACE_PROBE 16

typedef struct {
    unsigned char id[THREADS_FINGERPRINT_LEN];
    apr_uint32_t until; /* Unix seconds; 0: free */
} threads_pace_slot_t;

/* Made in post_config, single-threaded; only read (the pointers) by
 * requests, which change the table's contents under the mutex. */
static threads_pace_slot_t *threads_pace_table;
static apr_global_mutex_t *threads_pace_mutex;

apr_status_t threads_pace_register_mutex(apr_pool_t *pconf)
{
    threads_pace_table = NULL;
    threads_pace_mutex = NULL;
    return ap_mutex_register(pconf, THREADS_PACE_MUTEX, NULL, APR_LOCK_DEFAULT,
                             0);
}

apr_status_t threads_pace_setup(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(
        &shm, THREADS_PACE_SLOTS * sizeof(threads_pace_slot_t), NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00224) "cannot make the shared memory of "
                                          "the refresh pace");
        return rv;
    }
    rv = ap_global_mutex_create(&threads_pace_mutex, NULL, THREADS_PACE_MUTEX,
                                NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00225) "cannot make the mutex of the "
                                          "refresh pace");
        return rv;
    }
    threads_pace_table = apr_shm_baseaddr_get(shm);
    memset(threads_pace_table, 0,
           THREADS_PACE_SLOTS * sizeof(threads_pace_slot_t));
    return APR_SUCCESS;
}

void threads_pace_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_status_t rv;

    if (!threads_pace_mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(
        &threads_pace_mutex, apr_global_mutex_lockfile(threads_pace_mutex),
        pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     THREADS_LOGNO(00226) "cannot reopen the mutex of the "
                                          "refresh pace");
    }
}

/* Claims id in the table until until; 0 when its slot says "not yet".
 * Called under the mutex. With no free slot in the probe, the claim that
 * ends first gives way: the table forgets the oldest, never refuses. */
static int threads_pace_claim_slot(const unsigned char *id, apr_uint32_t now,
                                   apr_uint32_t until)
{
    apr_uint32_t start =
        ((apr_uint32_t)id[0] << 8 | id[1]) % THREADS_PACE_SLOTS;
    threads_pace_slot_t *pick = NULL;
    int i;

    for (i = 0; i < THREADS_PACE_PROBE; i++) {
        threads_pace_slot_t *slot =
            &threads_pace_table[(start + i) % THREADS_PACE_SLOTS];

        if (!memcmp(slot->id, id, THREADS_FINGERPRINT_LEN)) {
            if (slot->until > now) {
                return 0;
            }
            pick = slot;
            break;
        }
        if (!pick || (pick->until > now && slot->until < pick->until)) {
            pick = slot;
        }
    }
    memcpy(pick->id, id, THREADS_FINGERPRINT_LEN);
    pick->until = until;
    return 1;
}

int threads_pace_claim(request_rec *r, const char *token)
{
    threads_store_t *store = threads_config_server(r->server)->store;
    unsigned char id[THREADS_FINGERPRINT_LEN];
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_status_t rv;
    int claimed;

    if (!threads_pace_table || threads_fingerprint(token, id) != APR_SUCCESS ||
        apr_global_mutex_lock(threads_pace_mutex) != APR_SUCCESS) {
        /* Without the table, no call: the token is used as it is. */
        return 0;
    }
    claimed = threads_pace_claim_slot(
        id, (apr_uint32_t)now, (apr_uint32_t)(now + THREADS_PACE_SECONDS));
    apr_global_mutex_unlock(threads_pace_mutex);
    if (!claimed || !store) {
        return claimed;
    }
    rv = threads_store_claim(
        store, r->server, r->pool,
        threads_store_key_of_fingerprint(
            r->pool, threads_config_server(r->server)->app_id, "p", id),
        now + THREADS_PACE_SECONDS);
    if (APR_STATUS_IS_EEXIST(rv)) {
        return 0;
    }
    if (rv != APR_SUCCESS) {
        /* This server's own pace still holds. */
        threads_store_complain(store, r, "claiming a refresh", rv);
    }
    return 1;
}
