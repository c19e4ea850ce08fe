/*
 * fuzz_revocation.c: the per-user revocation record as another server (or
 * a broken one) left it in the shared store: decode, and for what decodes,
 * encode-decode round trips and the changes a revocation makes.
 */
#include <string.h>

#include "core/revocation.h"
#include "fuzz_common.h"

#define NOW 1700000000

/* One input: a stored value. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    threads_revocation_t *rev = NULL, *again = NULL;
    const char *text;

    if (threads_revocation_decode(p, (const char *)data, size, &rev) !=
        APR_SUCCESS) {
        FUZZ_CHECK(rev == NULL, "refused record given out");
        fuzz_pool_end(p);
        return 0;
    }
    FUZZ_CHECK(rev->logins->nelts <= THREADS_REVOKED_LOGINS_MAX,
               "more single logins than the cap");
    text = threads_revocation_encode(p, rev);
    FUZZ_CHECK(threads_revocation_decode(p, text, strlen(text), &again) ==
                   APR_SUCCESS,
               "an encoded record does not decode");
    FUZZ_CHECK(strcmp(threads_revocation_encode(p, again), text) == 0,
               "a record changes over a round trip");
    /* A revocation never forgets what was revoked before. The login
     * started by now: past the list's capacity "every login up to now"
     * is what covers it. */
    threads_revocation_add_login(again, "fuzzLogin", NOW + 60, NOW);
    FUZZ_CHECK(threads_revocation_covers(again, NOW, "fuzzLogin"),
               "a revoked login is not covered");
    FUZZ_CHECK(!rev->before ||
                   threads_revocation_covers(again, rev->before, "other"),
               "a login before the revocation time came back");
    threads_revocation_add_user(again, NOW, NOW + 86400);
    FUZZ_CHECK(threads_revocation_covers(again, NOW, NULL),
               "revoke-all leaves a login of now");
    FUZZ_CHECK(again->logins->nelts == 0, "revoke-all keeps single logins");
    fuzz_pool_end(p);
    return 0;
}
