/*
 * store_marks.c: which keys a store in httpd's own memory can hold.
 *
 * Every logged-in request looks its user's revocation record up. In
 * shmcb that takes the store's global mutex (shmcb is not safe across
 * processes and threads), and under load that lock, not the lookup, is
 * what costs: a futex call per request and a third of the throughput.
 * Yet most users have no record at all.
 *
 * Only this httpd writes a store in its own memory, so it can know which
 * keys were ever written: a bit array in shared memory, one bit per hash
 * of a key, set before every write (and for the entries put back after a
 * restart), never cleared in a generation. A key whose bit is clear was
 * never written: the store cannot hold it and the lookup is skipped. A
 * set bit (that key, or another of the same hash) means "look it up", so
 * a bit can only ever cost a lookup, never miss a record. The bits are
 * made again with each generation, as the store's instance is.
 *
 * Bits are set with compare-and-swap and read with plain atomic reads:
 * no lock. A writer sets the bit before it writes, so a reader that sees
 * it clear runs before the write, as it would have without the marks.
 */
#include <string.h>

#include "httpd/store_marks.h"

#include "apr_atomic.h"
#include "apr_shm.h"

#include "core/codec.h"

/* 2^20 bits (128 KiB): with a record for each of 10,000 users, one key
 * in a hundred that has none still takes the lock. */
#define THREADS_STORE_MARK_BITS  (1u << 20)
#define THREADS_STORE_MARK_WORDS (THREADS_STORE_MARK_BITS / 32)

struct threads_store_marks_t {
    volatile apr_uint32_t *words;
};

threads_store_marks_t *threads_store_marks_create(apr_pool_t *pconf)
{
    threads_store_marks_t *marks;
    apr_shm_t *shm;
    apr_size_t size = THREADS_STORE_MARK_WORDS * sizeof(apr_uint32_t);

    /* Anonymous: children inherit it; it goes with the configuration
     * pool, after the generation's children. */
    if (apr_shm_create(&shm, size, NULL, pconf) != APR_SUCCESS) {
        return NULL;
    }
    marks = apr_pcalloc(pconf, sizeof(*marks));
    marks->words = apr_shm_baseaddr_get(shm);
    memset((void *)marks->words, 0, size);
    return marks;
}

/* The bit of key: FNV-1a, 32 bits, folded to THREADS_STORE_MARK_BITS. */
static apr_uint32_t threads_store_mark_of(const char *key, apr_size_t len)
{
    apr_uint32_t h = threads_fnv1a(key, len);

    return (h ^ (h >> 20)) & (THREADS_STORE_MARK_BITS - 1);
}

void threads_store_marks_set(threads_store_marks_t *marks, const char *key,
                             apr_size_t len)
{
    apr_uint32_t bit = threads_store_mark_of(key, len);
    volatile apr_uint32_t *word = &marks->words[bit / 32];
    apr_uint32_t mask = 1u << (bit % 32), old;

    do {
        old = apr_atomic_read32(word);
        if (old & mask) {
            return;
        }
    } while (apr_atomic_cas32(word, old | mask, old) != old);
}

int threads_store_marks_maybe(const threads_store_marks_t *marks,
                              const char *key, apr_size_t len)
{
    apr_uint32_t bit = threads_store_mark_of(key, len);

    return (apr_atomic_read32(&marks->words[bit / 32]) & (1u << (bit % 32))) !=
           0;
}
