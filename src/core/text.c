/*
 * text.c: character classes shared by the protocol code (text.h).
 */
#include <errno.h>
#include <string.h>

#include "apr_strings.h"

#include "core/text.h"

const char threads_text_hex[] = "0123456789ABCDEF";

void threads_text_hex_encode(char *out, const unsigned char *in, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = threads_text_hex[in[i] >> 4];
        out[2 * i + 1] = threads_text_hex[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int threads_text_hex_value(unsigned char c)
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

int threads_text_is_visible(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e;
}

int threads_text_all_visible(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (s == NULL || len == 0) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (!threads_text_is_visible((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int threads_text_all_digits(const char *s, apr_size_t len, apr_size_t max)
{
    apr_size_t i;

    if (s == NULL || len == 0 || len > max) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

int threads_text_parse_positive(const char *s, apr_int64_t *out)
{
    char *end = NULL;
    apr_int64_t v;

    if (s == NULL || !threads_text_all_digits(s, strlen(s), 19)) {
        return 0;
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        return 0;
    }
    *out = v;
    return 1;
}

int threads_text_is_scope_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.';
}

int threads_text_b64url_value(unsigned char c)
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

apr_size_t threads_text_utf8_char(const unsigned char *s, unsigned long *cp)
{
    unsigned char c = s[0];
    apr_size_t n, i;
    unsigned long v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    }
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
    }
    else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
    }
    else {
        return 0;
    }
    /* A NUL ends the string before a continuation byte could follow. */
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) ||
        (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) {
        return 0;
    }
    *cp = v;
    return n;
}

int threads_text_is_unsafe_char(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}
