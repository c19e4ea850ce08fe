/*
 * pending.c: the pending logins' text form and state values (pending.h).
 *
 * The form is sealed before it is stored; decoding still checks every
 * entry, and an entry that does not read is left out rather than failing
 * the whole list.
 */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/codec.h"
#include "core/pending.h"
#include "core/scope.h"
#include "core/text.h"
#include "core/url.h"

/* The version written first. */
#define THREADS_PENDING_VERSION "1"
/* Characters of a state value. */
#define THREADS_STATE_CHARS ((THREADS_STATE_BYTES * 4 + 2) / 3)
/* How far in the future a pending login may have started (clock skew
 * between servers sharing the session store). */
#define THREADS_PENDING_SKEW 60

/*
 * Form: "1", then one line per login: state, created, scope and return
 * URL separated by single spaces. Fields are percent-escaped only where
 * needed (space, controls, non-ASCII, '%', '+'), so a local URL keeps its
 * length: the whole list has to fit a cookie after sealing.
 */

/* 1 for a byte the pending form escapes. */
static int threads_pending_needs_escape(unsigned char c)
{
    return !threads_text_is_visible(c) || c == '%' || c == '+';
}

/* A field escaped for the pending form. */
static char *threads_pending_escape(apr_pool_t *p, const char *s)
{
    const unsigned char *c;
    apr_size_t n = 0;
    char *out, *o;

    for (c = (const unsigned char *)s; *c; c++) {
        n += threads_pending_needs_escape(*c) ? 3 : 1;
    }
    out = o = apr_palloc(p, n + 1);
    for (c = (const unsigned char *)s; *c; c++) {
        if (threads_pending_needs_escape(*c)) {
            *o++ = '%';
            *o++ = threads_text_hex[*c >> 4];
            *o++ = threads_text_hex[*c & 0x0f];
        }
        else {
            *o++ = (char)*c;
        }
    }
    *o = '\0';
    return out;
}

/* The pending logins in their compact text form. */
char *threads_pending_encode(apr_pool_t *p, const apr_array_header_t *list)
{
    apr_array_header_t *lines = apr_array_make(p, 9, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(lines, const char *) = THREADS_PENDING_VERSION;
    for (i = 0; list != NULL && i < list->nelts; i++) {
        const threads_pending_t *e = &APR_ARRAY_IDX(list, i, threads_pending_t);

        if (e->state == NULL) {
            continue;
        }
        APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(
            p, "%s %" APR_INT64_T_FMT " %s %s",
            threads_pending_escape(p, e->state), e->created,
            threads_pending_escape(p, e->scope != NULL ? e->scope : ""),
            threads_pending_escape(p, e->return_url != NULL ? e->return_url
                                                            : "/"));
    }
    return apr_array_pstrcat(p, lines, '\n');
}

/* 1 when s looks like a state this module made. */
static int threads_state_is_valid(const char *s)
{
    apr_size_t n = 0;

    for (; *s; s++, n++) {
        if (threads_text_b64url_value((unsigned char)*s) < 0) {
            return 0;
        }
    }
    return n == THREADS_STATE_CHARS;
}

/* Reads one line of the pending form into e; 0 when it is not a valid
 * entry. */
static int threads_pending_parse_line(apr_pool_t *p, const char *line,
                                      apr_size_t len, threads_pending_t *e)
{
    const char *field[4];
    apr_size_t flen[4];
    char *value[4];
    const char *c = line, *end = line + len;
    int n;

    for (n = 0; n < 4; n++) {
        const char *sp = memchr(c, ' ', (apr_size_t)(end - c));

        if ((sp == NULL) != (n == 3)) {
            return 0;
        }
        field[n] = c;
        flen[n] = sp != NULL ? (apr_size_t)(sp - c) : (apr_size_t)(end - c);
        if (threads_url_decode(p, field[n], flen[n], &value[n]) !=
            APR_SUCCESS) {
            return 0;
        }
        c = sp != NULL ? sp + 1 : end;
    }
    if (!threads_state_is_valid(value[0]) ||
        !threads_text_parse_positive(value[1], &e->created) ||
        !threads_scope_text_is_valid(value[2]) ||
        !threads_url_is_local(value[3])) {
        return 0;
    }
    e->state = value[0];
    e->scope = value[2];
    e->return_url = value[3];
    return 1;
}

/* The pending logins of a stored value; anything unreadable is left out. */
apr_array_header_t *threads_pending_decode(apr_pool_t *p, const char *s)
{
    apr_array_header_t *list =
        apr_array_make(p, THREADS_PENDING_MAX + 1, sizeof(threads_pending_t));
    const char *line;
    apr_size_t vlen = sizeof(THREADS_PENDING_VERSION) - 1;

    if (s == NULL || strncmp(s, THREADS_PENDING_VERSION, vlen) != 0 ||
        (s[vlen] != '\n' && s[vlen] != '\0')) {
        return list;
    }
    line = s[vlen] == '\n' ? s + vlen + 1 : NULL;
    while (line != NULL) {
        const char *nl = strchr(line, '\n');
        apr_size_t len = nl != NULL ? (apr_size_t)(nl - line) : strlen(line);
        threads_pending_t e;

        if (threads_pending_parse_line(p, line, len, &e)) {
            APR_ARRAY_PUSH(list, threads_pending_t) = e;
        }
        line = nl != NULL ? nl + 1 : NULL;
    }
    return list;
}

/* Removes element i of a list of pending logins, keeping the order. */
static void threads_pending_remove(apr_array_header_t *list, int i)
{
    threads_pending_t *elts = (threads_pending_t *)list->elts;

    memmove(&elts[i], &elts[i + 1],
            (apr_size_t)(list->nelts - i - 1) * sizeof(*elts));
    list->nelts--;
}

/* Finds and removes the login for state. Every entry is compared, found
 * or not, so the time taken does not tell which one matched. */
int threads_pending_take(apr_array_header_t *list, const char *state,
                         threads_pending_t *out)
{
    int i, found = -1;

    if (list == NULL || state == NULL) {
        return 0;
    }
    for (i = 0; i < list->nelts; i++) {
        const threads_pending_t *e = &APR_ARRAY_IDX(list, i, threads_pending_t);
        int eq = threads_const_eq(e->state, state);

        if (eq && found < 0) {
            found = i;
        }
    }
    if (found < 0) {
        return 0;
    }
    if (out != NULL) {
        *out = APR_ARRAY_IDX(list, found, threads_pending_t);
    }
    threads_pending_remove(list, found);
    return 1;
}

/* 1 when a login started at created is void at now: timed out, or from
 * further in the future than clock skew explains. */
static int threads_pending_is_stale(apr_int64_t created, apr_int64_t now,
                                    apr_int64_t timeout)
{
    /* Both non-negative from here on, so the differences cannot
     * overflow. */
    if (created <= 0 || now < 0) {
        return 1;
    }
    if (created > now) {
        return created - now > THREADS_PENDING_SKEW ||
               timeout <= -(created - now);
    }
    return now - created >= timeout;
}

/* Drops void logins, then the oldest while there are too many. */
void threads_pending_prune(apr_array_header_t *list, apr_int64_t now,
                           apr_int64_t timeout)
{
    int i;

    if (list == NULL) {
        return;
    }
    for (i = 0; i < list->nelts;) {
        const threads_pending_t *e = &APR_ARRAY_IDX(list, i, threads_pending_t);

        if (threads_pending_is_stale(e->created, now, timeout)) {
            threads_pending_remove(list, i);
        }
        else {
            i++;
        }
    }
    while (list->nelts > THREADS_PENDING_MAX) {
        int oldest = 0;

        /* The list is oldest first, but entries written by servers with
         * different clocks may not be: go by the start time. */
        for (i = 1; i < list->nelts; i++) {
            if (APR_ARRAY_IDX(list, i, threads_pending_t).created <
                APR_ARRAY_IDX(list, oldest, threads_pending_t).created) {
                oldest = i;
            }
        }
        threads_pending_remove(list, oldest);
    }
}

/* A new unguessable state value from the system's CSPRNG (getrandom,
 * through APR: a third of the CPU of OpenSSL's DRBG for a few bytes). */
apr_status_t threads_state_generate(apr_pool_t *p, char **state)
{
    return threads_random_base64url(p, THREADS_STATE_BYTES, state);
}
