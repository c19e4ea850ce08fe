/*
 * codec.c: percent-encoding, base64url and a constant-time comparison.
 * APR only; every result is allocated from the caller's pool.
 */
#include <string.h>

#include "apr_general.h"
#include "apr_strings.h"
#include <openssl/crypto.h>

#include "core/codec.h"
#include "core/text.h"

static const char threads_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 1 for the RFC 3986 unreserved characters, which never need escaping:
 * a table, as every URL and form the module writes goes through here. */
/* clang-format off */
static const unsigned char threads_unreserved[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};
/* clang-format on */

char *threads_url_encode(apr_pool_t *p, const char *s)
{
    const unsigned char *in;
    apr_size_t n = 0, len;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "");
    }
    for (in = (const unsigned char *)s; *in; in++) {
        n += threads_unreserved[*in] ? 1 : 3;
    }
    len = (apr_size_t)(in - (const unsigned char *)s);
    if (n == len) {
        return apr_pstrmemdup(p, s, len); /* nothing to escape */
    }
    out = o = apr_palloc(p, n + 1);
    for (in = (const unsigned char *)s; *in; in++) {
        if (threads_unreserved[*in]) {
            *o++ = (char)*in;
        }
        else {
            *o++ = '%';
            *o++ = threads_text_hex[*in >> 4];
            *o++ = threads_text_hex[*in & 0x0f];
        }
    }
    *o = '\0';
    return out;
}

/* Rejects bad escapes and NUL (encoded or raw) so a decoded value is
 * always a whole C string. */
apr_status_t threads_url_decode(apr_pool_t *p, const char *s, apr_size_t len,
                                char **out)
{
    apr_size_t i;
    char *buf, *o;

    *out = NULL;
    if (s == NULL) {
        return APR_EINVAL;
    }
    /* Most values (every field of a session's token record, say) have
     * nothing to decode: one copy. */
    if (!memchr(s, '%', len) && !memchr(s, '+', len) && !memchr(s, '\0', len)) {
        *out = apr_pstrmemdup(p, s, len);
        return APR_SUCCESS;
    }
    buf = o = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi, lo;

            if (len - i < 3) {
                return APR_EINVAL;
            }
            hi = threads_text_hex_value((unsigned char)s[i + 1]);
            lo = threads_text_hex_value((unsigned char)s[i + 2]);
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

/* The value of each base64url character, 0xff for the others: a table,
 * because sealed session values are decoded on every request. */
/* clang-format off */
static const unsigned char threads_b64url_values[256] = {
#define X 0xff
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,
    X,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  63,
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
#undef X
};
/* clang-format on */

apr_uint32_t threads_fnv1a(const void *data, apr_size_t len)
{
    const unsigned char *c = data;
    apr_uint32_t h = 2166136261u;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ c[i]) * 16777619u;
    }
    return h;
}

apr_status_t threads_random_base64url(apr_pool_t *p, apr_size_t len, char **out)
{
    unsigned char raw[64];

    *out = NULL;
    if (len > sizeof(raw) ||
        apr_generate_random_bytes(raw, len) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *out = threads_base64url_encode(p, raw, len);
    OPENSSL_cleanse(raw, len);
    return APR_SUCCESS;
}

/* Strict decode: a value has exactly one accepted spelling (no padding,
 * unused trailing bits zero), so sealed values cannot be re-spelled.
 * Whole groups of four characters first, then the tail of two or three. */
apr_status_t threads_base64url_decode(apr_pool_t *p, const char *s,
                                      unsigned char **out, apr_size_t *len)
{
    const unsigned char *in = (const unsigned char *)s;
    apr_size_t slen, i, n = 0, rest;
    unsigned long v = 0, bad = 0;
    unsigned char *buf;

    *out = NULL;
    *len = 0;
    if (s == NULL) {
        return APR_EINVAL;
    }
    slen = strlen(s);
    rest = slen % 4;
    if (rest == 1) {
        return APR_EINVAL;
    }
    buf = apr_palloc(p, (slen / 4) * 3 + 3);
    for (i = 0; i + 4 <= slen; i += 4) {
        unsigned long a = threads_b64url_values[in[i]],
                      b = threads_b64url_values[in[i + 1]],
                      c = threads_b64url_values[in[i + 2]],
                      d = threads_b64url_values[in[i + 3]];

        bad |= a | b | c | d; /* 0xff has a bit no value has */
        v = (a << 18) | (b << 12) | (c << 6) | d;
        buf[n++] = (unsigned char)(v >> 16);
        buf[n++] = (unsigned char)(v >> 8);
        buf[n++] = (unsigned char)v;
    }
    if (rest > 0) {
        unsigned long a = threads_b64url_values[in[i]],
                      b = threads_b64url_values[in[i + 1]],
                      c = rest == 3 ? threads_b64url_values[in[i + 2]] : 0;

        bad |= a | b | c;
        v = (a << 18) | (b << 12) | (c << 6);
        buf[n++] = (unsigned char)(v >> 16);
        if (rest == 3) {
            buf[n++] = (unsigned char)(v >> 8);
        }
        /* The bits past the last whole byte must be zero. */
        if ((v & (rest == 3 ? 0xffUL : 0xffffUL)) != 0) {
            return APR_EINVAL;
        }
    }
    if (bad & 0x40) {
        return APR_EINVAL;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return APR_SUCCESS;
}

apr_status_t threads_base64url_decode_padded(apr_pool_t *p, const char *s,
                                             unsigned char **out,
                                             apr_size_t *len)
{
    apr_size_t slen, pad = 0;

    *out = NULL;
    *len = 0;
    if (s == NULL) {
        return APR_EINVAL;
    }
    slen = strlen(s);
    while (pad < 2 && pad < slen && s[slen - pad - 1] == '=') {
        pad++;
    }
    if (pad > 0 && slen % 4 != 0) {
        return APR_EINVAL;
    }
    return threads_base64url_decode(p, apr_pstrmemdup(p, s, slen - pad), out,
                                    len);
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
