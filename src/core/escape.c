/*
 * escape.c: HTML and JSON escaping for what the module writes itself.
 */
#include <string.h>

#include "apr_strings.h"

#include "core/escape.h"
#include "core/text.h"

/* The entity for an HTML-special character, or NULL. */
static const char *threads_html_entity(char c)
{
    switch (c) {
        case '&':
            return "&amp;";
        case '<':
            return "&lt;";
        case '>':
            return "&gt;";
        case '"':
            return "&quot;";
        case '\'':
            return "&#39;";
        default:
            return NULL;
    }
}

char *threads_html_escape(apr_pool_t *p, const char *s)
{
    const char *in;
    apr_size_t n = 0;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "");
    }
    for (in = s; *in; in++) {
        const char *rep = threads_html_entity(*in);

        n += rep != NULL ? strlen(rep) : 1;
    }
    out = o = apr_palloc(p, n + 1);
    for (in = s; *in; in++) {
        const char *rep = threads_html_entity(*in);

        if (rep != NULL) {
            apr_size_t rl = strlen(rep);

            memcpy(o, rep, rl);
            o += rl;
        }
        else {
            *o++ = *in;
        }
    }
    *o = '\0';
    return out;
}

/* Writes the JSON escape of one ASCII character c that needs one (quote,
 * backslash, control, markup) at o; returns the bytes written. */
static apr_size_t threads_json_escape_ascii(char *o, unsigned char c)
{
    switch (c) {
        case '"':
        case '\\':
            o[0] = '\\';
            o[1] = (char)c;
            return 2;
        case '\n':
            memcpy(o, "\\n", 2);
            return 2;
        case '\r':
            memcpy(o, "\\r", 2);
            return 2;
        case '\t':
            memcpy(o, "\\t", 2);
            return 2;
        default:
            memcpy(o, "\\u00", 4);
            o[4] = threads_text_hex[c >> 4];
            o[5] = threads_text_hex[c & 0x0f];
            return 6;
    }
}

/* Markup characters, controls and the JavaScript line separators go as
 * escapes, invalid UTF-8 as U+FFFD. */
char *threads_json_quote(apr_pool_t *p, const char *s)
{
    const unsigned char *in;
    char *out, *o;

    if (s == NULL) {
        return apr_pstrdup(p, "null");
    }
    /* Six output bytes per input byte is the worst case. */
    out = o = apr_palloc(p, strlen(s) * 6 + 3);
    *o++ = '"';
    for (in = (const unsigned char *)s; *in;) {
        unsigned char c = *in;
        unsigned long cp;
        apr_size_t n;

        if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f || c == '<' ||
            c == '>' || c == '&') {
            o += threads_json_escape_ascii(o, c);
            in++;
            continue;
        }
        n = threads_text_utf8_char(in, &cp);
        if (n == 0) {
            memcpy(o, "\\uFFFD", 6);
            o += 6;
            in++;
        }
        else if (cp == 0x2028 || cp == 0x2029) {
            memcpy(o, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
            o += 6;
            in += n;
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
