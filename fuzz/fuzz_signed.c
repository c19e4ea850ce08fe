/*
 * fuzz_signed.c: Meta's signed_request as the Deauthorize and Data
 * Deletion callbacks receive it: threads_signed_request_verify on the raw
 * input under a fixed secret, and the payload reader on the raw input.
 */
#include <string.h>

#include "core/json.h"
#include "core/signed.h"
#include "core/text.h"
#include "fuzz_common.h"

#define SECRET "fuzz app secret"

/* 1 when s is 1..32 decimal digits without a leading zero. */
static int is_user_id(const char *s)
{
    size_t n = s ? strlen(s) : 0, i;

    if (n == 0 || n > 32 || s[0] == '0') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

/* One input: a signed_request, and on its own a payload. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    const char *text = fuzz_cstring(p, data, size);
    threads_signed_payload_t out;
    const char *problem = NULL;

    if (threads_signed_request_verify(p, text, SECRET, &out, &problem) ==
        APR_SUCCESS) {
        /* Only a correct HMAC opens: a random input never should. */
        FUZZ_CHECK(problem == NULL, "verified with a problem");
        FUZZ_CHECK(is_user_id(out.user_id), "verified without a user id");
        FUZZ_CHECK(strcasecmp(out.algorithm, "HMAC-SHA256") == 0,
                   "verified with another algorithm");
    }
    else {
        FUZZ_CHECK(problem != NULL, "refused without a problem");
        FUZZ_CHECK(out.user_id == NULL, "refused with a user id");
    }
    problem =
        threads_json_parse_signed_payload(p, (const char *)data, size, &out);
    if (problem == NULL) {
        FUZZ_CHECK(is_user_id(out.user_id), "payload without a user id");
        FUZZ_CHECK(out.algorithm != NULL, "payload without an algorithm");
        FUZZ_CHECK(out.issued_at >= 0 && out.expires >= 0,
                   "payload with a negative time");
    }
    fuzz_pool_end(p);
    return 0;
}
