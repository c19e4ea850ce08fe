/*
 * fuzz_url_local.c: threads_url_is_local, the open-redirect guard of
 * ?login= and ?logout=, on raw bytes.
 */
#include "core/url.h"
#include "fuzz_common.h"

/* One input: the bytes up to the first NUL as a URL, as the callback sees
 * a decoded parameter. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();

    FUZZ_CHECK(!threads_url_is_local(NULL), "NULL accepted as a local URL");
    fuzz_check_local_url(fuzz_cstring(p, data, size));
    fuzz_pool_end(p);
    return 0;
}
