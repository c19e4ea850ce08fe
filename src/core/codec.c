/*
 * codec.c: percent-encoding, base64url and a constant-time comparison.
 * APR only; every result is allocated from the caller's pool.
 */
#include <string.h>

#include "apr_strings.h"

#include "core/codec.h"
#include "core/text.h"

static const char threads_b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 1 for the RFC 3986 unreserved characters, which never need escaping. */
static int threads_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

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
        int v = threads_text_b64url_value((unsigned char)s[i]);

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
