/*
 * url.c: which URLs the module may send a browser to (url.h).
 */
#include <string.h>

#include "apr_strings.h"

#include "core/text.h"
#include "core/url.h"

/* 1 when the len bytes at s are a dot segment: "." or "..", each dot
 * possibly written %2e (browsers read both alike). */
static int threads_url_is_dot_segment(const char *s, apr_size_t len)
{
    apr_size_t dots = 0;

    while (len > 0) {
        if (*s == '.') {
            s++;
            len--;
        }
        else if (len >= 3 && s[0] == '%' && s[1] == '2' &&
                 (s[2] == 'e' || s[2] == 'E')) {
            s += 3;
            len -= 3;
        }
        else {
            return 0;
        }
        dots++;
    }
    return dots == 1 || dots == 2;
}

/* 1 when the path of url (up to '?' or '#') has a dot segment. A browser
 * removes them, so "/.//evil.example" becomes "//evil.example": a path an
 * application may hand on in a redirect of its own, off this site. */
static int threads_url_has_dot_segment(const char *url)
{
    const char *seg = url + 1;

    for (;;) {
        apr_size_t len = strcspn(seg, "/?#");

        if (threads_url_is_dot_segment(seg, len)) {
            return 1;
        }
        if (seg[len] != '/') {
            return 0;
        }
        seg += len + 1;
    }
}

/* Browsers read "//host", "/\host" and "/<tab>/host" as another host, so
 * only one leading slash is allowed and backslashes, controls, spaces and
 * non-ASCII bytes (lookalike slashes) are refused anywhere; so are dot
 * segments, which a browser would resolve into such a path. */
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
    return !threads_url_has_dot_segment(url);
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
