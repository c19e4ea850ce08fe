/*
 * query.c: parsing and building x-www-form-urlencoded text (query.h).
 */
#include <string.h>

#include "apr_strings.h"

#include "core/codec.h"
#include "core/query.h"
#include "core/text.h"

/* The longest parameter name kept in a problem text. */
#define THREADS_BAD_NAME_MAX 64

/* A copy of a parameter name fit for a log line: at most 64 bytes, with
 * anything but printable ASCII shown as '?'. */
static const char *threads_safe_name(apr_pool_t *p, const char *name,
                                     apr_size_t len)
{
    char *out;
    apr_size_t i;

    if (len > THREADS_BAD_NAME_MAX) {
        len = THREADS_BAD_NAME_MAX;
    }
    out = apr_pstrmemdup(p, name, len);
    for (i = 0; i < len; i++) {
        if (!threads_text_is_visible((unsigned char)out[i])) {
            out[i] = '?';
        }
    }
    return out;
}

/* Reports a failed parse: names the parameter and gives the status. */
static threads_query_status_e
threads_query_fail(apr_pool_t *p, threads_query_status_e st, const char *name,
                   apr_size_t len, const char **bad_name)
{
    if (bad_name != NULL) {
        *bad_name = threads_safe_name(p, name, len);
    }
    return st;
}

/* Names are held to the same limit as values, and a raw part more than
 * three times the limit is refused before it is decoded. */
threads_query_status_e threads_query_parse(apr_pool_t *p, const char *query,
                                           apr_size_t max_value,
                                           apr_table_t **out,
                                           const char **bad_name)
{
    apr_table_t *t = apr_table_make(p, 8);
    apr_size_t raw_max;
    const char *seg = query;

    *out = t;
    if (bad_name != NULL) {
        *bad_name = NULL;
    }
    /* Every decoded byte takes at most three raw ones. */
    raw_max = max_value <= APR_SIZE_MAX / 3 ? max_value * 3 : APR_SIZE_MAX;
    while (seg != NULL && *seg != '\0') {
        const char *end = strchr(seg, '&');
        const char *eq;
        apr_size_t seg_len, name_len, value_len;
        char *name, *value;

        seg_len = end != NULL ? (apr_size_t)(end - seg) : strlen(seg);
        if (seg_len == 0) {
            seg = end + 1;
            continue;
        }
        eq = memchr(seg, '=', seg_len);
        name_len = eq != NULL ? (apr_size_t)(eq - seg) : seg_len;
        value_len = eq != NULL ? seg_len - name_len - 1 : 0;
        if (name_len == 0) {
            return threads_query_fail(p, THREADS_QUERY_MALFORMED, seg, 0,
                                      bad_name);
        }
        if (name_len > raw_max || value_len > raw_max) {
            return threads_query_fail(p, THREADS_QUERY_TOO_LONG, seg, name_len,
                                      bad_name);
        }
        if (threads_url_decode(p, seg, name_len, &name) != APR_SUCCESS) {
            return threads_query_fail(p, THREADS_QUERY_MALFORMED, seg, name_len,
                                      bad_name);
        }
        if (strlen(name) > max_value) {
            return threads_query_fail(p, THREADS_QUERY_TOO_LONG, name,
                                      strlen(name), bad_name);
        }
        if (threads_url_decode(p, eq != NULL ? eq + 1 : "", value_len,
                               &value) != APR_SUCCESS) {
            return threads_query_fail(p, THREADS_QUERY_MALFORMED, name,
                                      strlen(name), bad_name);
        }
        if (strlen(value) > max_value) {
            return threads_query_fail(p, THREADS_QUERY_TOO_LONG, name,
                                      strlen(name), bad_name);
        }
        if (apr_table_get(t, name) != NULL) {
            return threads_query_fail(p, THREADS_QUERY_DUPLICATE, name,
                                      strlen(name), bad_name);
        }
        apr_table_setn(t, name, value);
        seg = end != NULL ? end + 1 : NULL;
    }
    return THREADS_QUERY_OK;
}

char *threads_form_encode(apr_pool_t *p, const char *const *pairs)
{
    apr_array_header_t *parts = apr_array_make(p, 8, sizeof(const char *));
    apr_size_t i;

    for (i = 0; pairs != NULL && pairs[i] != NULL; i += 2) {
        if (pairs[i + 1] == NULL) {
            continue;
        }
        APR_ARRAY_PUSH(parts, const char *) =
            apr_pstrcat(p, threads_url_encode(p, pairs[i]), "=",
                        threads_url_encode(p, pairs[i + 1]), (char *)NULL);
    }
    return apr_array_pstrcat(p, parts, '&');
}

char *threads_url_with_query(apr_pool_t *p, const char *base,
                             const char *const *pairs)
{
    const char *form = threads_form_encode(p, pairs);
    const char *frag, *sep;
    apr_size_t head_len;

    if (base == NULL) {
        base = "";
    }
    if (*form == '\0') {
        return apr_pstrdup(p, base);
    }
    frag = strchr(base, '#');
    head_len = frag != NULL ? (apr_size_t)(frag - base) : strlen(base);
    if (memchr(base, '?', head_len) == NULL) {
        sep = "?";
    }
    else if (base[head_len - 1] == '?' || base[head_len - 1] == '&') {
        sep = "";
    }
    else {
        sep = "&";
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, base, head_len), sep, form,
                       frag != NULL ? frag : "", (char *)NULL);
}
