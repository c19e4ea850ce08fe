/*
 * url.c: which URLs the module may send a browser to (url.h).
 */
#include <string.h>

#include "apr_strings.h"

#include "core/text.h"
#include "core/url.h"

/* Browsers read "//host", "/\host" and "/<tab>/host" as another host, so
 * only one leading slash is allowed and backslashes, controls, spaces and
 * non-ASCII bytes (lookalike slashes) are refused anywhere. */
int threads_url_is_local(const char *url)
{
    const unsigned char *c;

    if (url == NULL || url[0] != '/' || url[1] == '/' || url[1] == '\\') {
        return 0;
    }
    for (c = (const unsigned char *)url; *c; c++) {
        if (!threads_text_is_visible(*c) || *c == '\\') {
            return 0;
        }
    }
    return 1;
}

const char *threads_code_strip_fragment(apr_pool_t *p, const char *code)
{
    apr_size_t len;

    if (code == NULL) {
        return NULL;
    }
    len = strlen(code);
    if (len >= 2 && code[len - 2] == '#' && code[len - 1] == '_') {
        return apr_pstrmemdup(p, code, len - 2);
    }
    return code;
}
