/*
 * threads_util.c: encoding, escaping, query strings, local URLs and
 * permission sets for mod_threads_oauth. APR only, no httpd, no allocation
 * outside the caller's pool.
 */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "threads_core.h"

/* The longest parameter name kept in a problem text. */
#define THREADS_BAD_NAME_MAX 64

static const char threads_hex_upper[] = "0123456789ABCDEF";

static const char threads_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* ------------------------------------------------------------------ */
/* Percent-encoding                                                    */
/* ------------------------------------------------------------------ */

/* 1 for the RFC 3986 unreserved characters, which never need escaping. */
static int threads_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* The value of one hex digit, or -1. */
static int threads_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Percent-encodes everything but the unreserved characters. */
char *threads_url_encode(apr_pool_t *p, const char *s)
{
    const unsigned char *in;
    apr_size_t n = 0;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "");
    }
    for (in = (const unsigned char *)s; *in; in++) {
        n += threads_is_unreserved(*in) ? 1 : 3;
    }
    out = o = apr_palloc(p, n + 1);
    for (in = (const unsigned char *)s; *in; in++) {
        if (threads_is_unreserved(*in)) {
            *o++ = (char)*in;
        }
        else {
            *o++ = '%';
            *o++ = threads_hex_upper[*in >> 4];
            *o++ = threads_hex_upper[*in & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

/* Decodes %XX and '+' of the first len bytes of s; rejects bad escapes and
 * NUL (encoded or raw) so a decoded value is always a whole C string. */
apr_status_t threads_url_decode(apr_pool_t *p, const char *s, apr_size_t len,
                                char **out)
{
    apr_size_t i;
    char *buf, *o;

    *out = NULL;
    if (s == NULL) {
        return APR_EINVAL;
    }
    buf = o = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi, lo;

            if (len - i < 3) {
                return APR_EINVAL;
            }
            hi = threads_hex_value((unsigned char)s[i + 1]);
            lo = threads_hex_value((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                return APR_EINVAL;
            }
            *o++ = (char)((hi << 4) | lo);
            i += 2;
        }
        else if (c == '+') {
            *o++ = ' ';
        }
        else if (c == '\0') {
            return APR_EINVAL;
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    *out = buf;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* HTML and JSON                                                       */
/* ------------------------------------------------------------------ */

/* Escapes the five characters that matter in HTML text and attributes. */
char *threads_html_escape(apr_pool_t *p, const char *s)
{
    const char *in;
    apr_size_t n = 0;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "");
    }
    for (in = s; *in; in++) {
        switch (*in) {
            case '&':
                n += 5;
                break;
            case '<':
            case '>':
                n += 4;
                break;
            case '"':
                n += 6;
                break;
            case '\'':
                n += 5;
                break;
            default:
                n += 1;
        }
    }
    out = o = apr_palloc(p, n + 1);
    for (in = s; *in; in++) {
        const char *rep = NULL;

        switch (*in) {
            case '&':
                rep = "&amp;";
                break;
            case '<':
                rep = "&lt;";
                break;
            case '>':
                rep = "&gt;";
                break;
            case '"':
                rep = "&quot;";
                break;
            case '\'':
                rep = "&#39;";
                break;
            default:
                *o++ = *in;
        }
        if (rep != NULL) {
            apr_size_t rl = strlen(rep);

            memcpy(o, rep, rl);
            o += rl;
        }
    }
    *o = '\0';
    return out;
}

/* The length of the well-formed UTF-8 sequence at s (1..4), or 0 when the
 * bytes there are not one, so JSON output never carries invalid UTF-8. */
static apr_size_t threads_utf8_length(const unsigned char *s)
{
    unsigned char c = s[0];
    apr_size_t n, i;
    unsigned long cp;

    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    }
    else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }
    return n;
}

/* A JSON string literal that is also safe inside an HTML <script>: markup
 * characters, controls and the JavaScript line separators go as \uXXXX,
 * invalid UTF-8 as U+FFFD. */
char *threads_json_quote(apr_pool_t *p, const char *s)
{
    const unsigned char *in;
    apr_size_t cap;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "null");
    }
    /* Six output bytes per input byte is the worst case. */
    cap = strlen(s) * 6 + 3;
    out = o = apr_palloc(p, cap);
    *o++ = '"';
    for (in = (const unsigned char *)s; *in;) {
        unsigned char c = *in;
        apr_size_t n;

        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            in++;
            continue;
        }
        if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
            switch (c) {
                case '\n':
                    memcpy(o, "\\n", 2);
                    o += 2;
                    break;
                case '\r':
                    memcpy(o, "\\r", 2);
                    o += 2;
                    break;
                case '\t':
                    memcpy(o, "\\t", 2);
                    o += 2;
                    break;
                default:
                    memcpy(o, "\\u00", 4);
                    o[4] = threads_hex_upper[c >> 4];
                    o[5] = threads_hex_upper[c & 0x0f];
                    o += 6;
            }
            in++;
            continue;
        }
        n = threads_utf8_length(in);
        if (n == 0) {
            memcpy(o, "\\uFFFD", 6);
            o += 6;
            in++;
        }
        else if (n == 3 && in[0] == 0xe2 && in[1] == 0x80 &&
                 (in[2] == 0xa8 || in[2] == 0xa9)) {
            memcpy(o, in[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            in += 3;
        }
        else {
            memcpy(o, in, n);
            o += n;
            in += n;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------------ */
/* base64url                                                           */
/* ------------------------------------------------------------------ */

/* Unpadded base64url of len bytes. */
char *threads_base64url_encode(apr_pool_t *p, const unsigned char *data,
                               apr_size_t len)
{
    apr_size_t i, rest = len % 3;
    char *out, *o;

    out = o = apr_palloc(p, (len / 3) * 4 + (rest ? rest + 1 : 0) + 1);
    for (i = 0; i + 2 < len; i += 3) {
        unsigned long v = ((unsigned long)data[i] << 16) |
                          ((unsigned long)data[i + 1] << 8) | data[i + 2];

        *o++ = threads_b64url_alphabet[(v >> 18) & 0x3f];
        *o++ = threads_b64url_alphabet[(v >> 12) & 0x3f];
        *o++ = threads_b64url_alphabet[(v >> 6) & 0x3f];
        *o++ = threads_b64url_alphabet[v & 0x3f];
    }
    if (rest == 1) {
        *o++ = threads_b64url_alphabet[data[i] >> 2];
        *o++ = threads_b64url_alphabet[(data[i] & 0x03) << 4];
    }
    else if (rest == 2) {
        unsigned long v =
            ((unsigned long)data[i] << 8) | (unsigned long)data[i + 1];

        *o++ = threads_b64url_alphabet[(v >> 10) & 0x3f];
        *o++ = threads_b64url_alphabet[(v >> 4) & 0x3f];
        *o++ = threads_b64url_alphabet[(v << 2) & 0x3f];
    }
    *o = '\0';
    return out;
}

/* The 6-bit value of a base64url character, or -1. */
static int threads_b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '-') {
        return 62;
    }
    if (c == '_') {
        return 63;
    }
    return -1;
}

/* Strict decode: a value has exactly one accepted spelling (no padding,
 * unused trailing bits zero), so sealed values cannot be re-spelled. */
apr_status_t threads_base64url_decode(apr_pool_t *p, const char *s,
                                      unsigned char **out, apr_size_t *len)
{
    apr_size_t slen, i, n = 0;
    unsigned long acc = 0;
    int bits = 0;
    unsigned char *buf;

    *out = NULL;
    *len = 0;
    if (s == NULL) {
        return APR_EINVAL;
    }
    slen = strlen(s);
    if (slen % 4 == 1) {
        return APR_EINVAL;
    }
    buf = apr_palloc(p, (slen / 4) * 3 + 3);
    for (i = 0; i < slen; i++) {
        int v = threads_b64url_value((unsigned char)s[i]);

        if (v < 0) {
            return APR_EINVAL;
        }
        acc = ((acc << 6) | (unsigned long)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[n++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0) {
        return APR_EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return APR_SUCCESS;
}

/* Compares two strings without a data-dependent early exit, so timing
 * reveals at most the lengths. */
int threads_const_eq(const char *a, const char *b)
{
    apr_size_t la, lb, i;
    apr_size_t diff;

    if (a == NULL || b == NULL) {
        return 0;
    }
    la = strlen(a);
    lb = strlen(b);
    diff = la ^ lb;
    for (i = 0; i < la; i++) {
        unsigned char cb = i < lb ? (unsigned char)b[i] : 0;

        diff |= (unsigned char)a[i] ^ cb;
    }
    return diff == 0;
}

/* ------------------------------------------------------------------ */
/* Query strings and URLs                                              */
/* ------------------------------------------------------------------ */

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
        unsigned char c = (unsigned char)out[i];

        if (c < 0x20 || c > 0x7e) {
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

/* Parses an x-www-form-urlencoded query into decoded name -> value; names
 * are held to the same limit as values, and a raw part more than three
 * times the limit is refused before it is decoded. */
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

/* name=value&... from a NULL-terminated list of pairs. */
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

/* base with the encoded pairs added to its query, before any fragment. */
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

/* The open-redirect guard: only a path on this server passes. Browsers
 * read "//host", "/\host" and "/<tab>/host" as another host, so only one
 * leading slash is allowed and backslashes, controls, spaces and non-ASCII
 * bytes (lookalike slashes) are refused anywhere. */
int threads_url_is_local(const char *url)
{
    const unsigned char *c;

    if (url == NULL || url[0] != '/' || url[1] == '/' || url[1] == '\\') {
        return 0;
    }
    for (c = (const unsigned char *)url; *c; c++) {
        if (*c < 0x21 || *c > 0x7e || *c == '\\') {
            return 0;
        }
    }
    return 1;
}

/* The code without the "#_" Meta appends to the redirect. */
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

/* ------------------------------------------------------------------ */
/* Permission sets                                                     */
/* ------------------------------------------------------------------ */

/* The permissions Meta's guide lists. */
static const char *const threads_known_scopes[] = {
    "threads_basic",          "threads_content_publish", "threads_read_replies",
    "threads_manage_replies", "threads_manage_insights", NULL};

/* 1 for the characters that separate permission names. */
static int threads_scope_is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

/* 1 for the characters a permission name may hold. */
static int threads_scope_is_name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Parses a list of permission names in first-given order, without
 * duplicates. */
threads_scope_t *threads_scope_parse(apr_pool_t *p, const char *list,
                                     const char **error)
{
    threads_scope_t *scope = apr_array_make(p, 4, sizeof(const char *));
    const char *c = list != NULL ? list : "";

    if (error != NULL) {
        *error = NULL;
    }
    while (*c != '\0') {
        const char *start;
        char *name;

        if (threads_scope_is_sep(*c)) {
            c++;
            continue;
        }
        for (start = c; *c != '\0' && !threads_scope_is_sep(*c); c++) {
            if (!threads_scope_is_name_char(*c)) {
                if (error != NULL) {
                    *error = "a permission name holds a character other "
                             "than A-Z a-z 0-9 _ .";
                }
                return NULL;
            }
        }
        name = apr_pstrmemdup(p, start, (apr_size_t)(c - start));
        if (!threads_scope_has(scope, name)) {
            APR_ARRAY_PUSH(scope, const char *) = name;
        }
    }
    if (scope->nelts == 0) {
        if (error != NULL) {
            *error = "no permission given";
        }
        return NULL;
    }
    return scope;
}

/* The permissions joined with commas, as Threads takes them. */
char *threads_scope_join(apr_pool_t *p, const threads_scope_t *scope)
{
    if (scope == NULL) {
        return apr_pstrdup(p, "");
    }
    return apr_array_pstrcat(p, scope, ',');
}

/* 1 when perm is in the set. */
int threads_scope_has(const threads_scope_t *scope, const char *perm)
{
    int i;

    if (scope == NULL || perm == NULL) {
        return 0;
    }
    for (i = 0; i < scope->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(scope, i, const char *), perm) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 when have grants everything want asks for. */
int threads_scope_covers(const threads_scope_t *have,
                         const threads_scope_t *want)
{
    int i;

    if (want == NULL) {
        return 1;
    }
    for (i = 0; i < want->nelts; i++) {
        if (!threads_scope_has(have, APR_ARRAY_IDX(want, i, const char *))) {
            return 0;
        }
    }
    return 1;
}

/* a, then what b adds, in b's order (the step-up scope). */
threads_scope_t *threads_scope_union(apr_pool_t *p, const threads_scope_t *a,
                                     const threads_scope_t *b)
{
    threads_scope_t *u = apr_array_make(p, 8, sizeof(const char *));
    int i;

    if (a != NULL) {
        for (i = 0; i < a->nelts; i++) {
            const char *perm = APR_ARRAY_IDX(a, i, const char *);

            if (!threads_scope_has(u, perm)) {
                APR_ARRAY_PUSH(u, const char *) = perm;
            }
        }
    }
    if (b != NULL) {
        for (i = 0; i < b->nelts; i++) {
            const char *perm = APR_ARRAY_IDX(b, i, const char *);

            if (!threads_scope_has(u, perm)) {
                APR_ARRAY_PUSH(u, const char *) = perm;
            }
        }
    }
    return u;
}

/* 1 for a permission named in Meta's guide. */
int threads_scope_is_known(const char *perm)
{
    int i;

    if (perm == NULL) {
        return 0;
    }
    for (i = 0; threads_known_scopes[i] != NULL; i++) {
        if (strcmp(threads_known_scopes[i], perm) == 0) {
            return 1;
        }
    }
    return 0;
}
