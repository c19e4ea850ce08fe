/*
 * threads_record.c: the text forms of what the module keeps in the
 * session (the token record and the pending logins) and state values.
 *
 * Both forms are sealed before they are stored; decoding still checks
 * every field, so a record from an older or newer module, or one written
 * by a bug, never reaches the request path half-formed.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "threads_core.h"

/* The version written first in both forms. */
#define THREADS_RECORD_VERSION "1"
/* Largest decoded field of a token record (the token is far smaller). */
#define THREADS_RECORD_FIELD_MAX 16384
/* Characters of a state value. */
#define THREADS_STATE_CHARS ((THREADS_STATE_BYTES * 4 + 2) / 3)
/* How far in the future a pending login may have started (clock skew
 * between servers sharing the session store). */
#define THREADS_PENDING_SKEW 60

/* "short" or "long", as the contract's THREADS_TOKEN_TYPE says. */
const char *threads_token_type_name(threads_token_type_e type)
{
    return type == THREADS_TOKEN_LONG ? "long" : "short";
}

/* Parses a positive decimal number of digits only (no sign, no spaces). */
static int threads_parse_positive(const char *s, apr_int64_t *out)
{
    const char *c;
    char *end = NULL;
    apr_int64_t v;

    if (s == NULL || *s == '\0' || strlen(s) > 19) {
        return 0;
    }
    for (c = s; *c; c++) {
        if (*c < '0' || *c > '9') {
            return 0;
        }
    }
    errno = 0;
    v = apr_strtoi64(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v <= 0) {
        return 0;
    }
    *out = v;
    return 1;
}

/* 1 when s is 1..max characters, each of them printable ASCII without
 * space. */
static int threads_is_printable(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    if (s == NULL) {
        return 0;
    }
    for (; *s; s++, n++) {
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return n >= 1 && n <= max;
}

/* 1 when s is 1..max decimal digits. */
static int threads_is_digits(const char *s, apr_size_t max)
{
    apr_size_t n = 0;

    if (s == NULL) {
        return 0;
    }
    for (; *s; s++, n++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
    }
    return n >= 1 && n <= max;
}

/* The token record as v=1&t=...&u=...; NULL when it lacks token or user. */
char *threads_token_encode(apr_pool_t *p, const threads_token_t *t)
{
    const char *pairs[] = {"v", THREADS_RECORD_VERSION,
                           "t", NULL,
                           "u", NULL,
                           "e", NULL,
                           "i", NULL,
                           "l", NULL,
                           "k", NULL,
                           "s", NULL,
                           "n", NULL,
                           "m", NULL,
                           "r", NULL,
                           NULL};

    if (t == NULL || t->access_token == NULL || t->user_id == NULL) {
        return NULL;
    }
    pairs[3] = t->access_token;
    pairs[5] = t->user_id;
    pairs[7] = apr_psprintf(p, "%" APR_INT64_T_FMT, t->expires_at);
    pairs[9] = apr_psprintf(p, "%" APR_INT64_T_FMT, t->issued_at);
    pairs[11] = apr_psprintf(p, "%" APR_INT64_T_FMT, t->login_at);
    pairs[13] = t->type == THREADS_TOKEN_LONG ? "l" : "s";
    pairs[15] = t->scope != NULL ? t->scope : "";
    pairs[17] = t->username;
    pairs[19] = t->name;
    pairs[21] = t->refresh_after > 0
                    ? apr_psprintf(p, "%" APR_INT64_T_FMT, t->refresh_after)
                    : NULL;
    return threads_form_encode(p, pairs);
}

/* Reads a token record; every required field must be present and well
 * formed, unknown fields are left for later versions. */
apr_status_t threads_token_decode(apr_pool_t *p, const char *s,
                                  threads_token_t *t)
{
    threads_token_t rec;
    apr_table_t *fields;
    const char *v, *k;

    memset(t, 0, sizeof(*t));
    if (s == NULL || threads_query_parse(p, s, THREADS_RECORD_FIELD_MAX,
                                         &fields, NULL) != THREADS_QUERY_OK) {
        return APR_EINVAL;
    }
    memset(&rec, 0, sizeof(rec));
    v = apr_table_get(fields, "v");
    if (v == NULL || strcmp(v, THREADS_RECORD_VERSION) != 0) {
        return APR_EINVAL;
    }
    rec.access_token = apr_table_get(fields, "t");
    rec.user_id = apr_table_get(fields, "u");
    if (!threads_is_printable(rec.access_token, THREADS_TOKEN_MAX) ||
        !threads_is_digits(rec.user_id, THREADS_USER_ID_MAX)) {
        return APR_EINVAL;
    }
    if (!threads_parse_positive(apr_table_get(fields, "e"), &rec.expires_at) ||
        !threads_parse_positive(apr_table_get(fields, "i"), &rec.issued_at) ||
        !threads_parse_positive(apr_table_get(fields, "l"), &rec.login_at)) {
        return APR_EINVAL;
    }
    k = apr_table_get(fields, "k");
    if (k != NULL && strcmp(k, "s") == 0) {
        rec.type = THREADS_TOKEN_SHORT;
    }
    else if (k != NULL && strcmp(k, "l") == 0) {
        rec.type = THREADS_TOKEN_LONG;
    }
    else {
        return APR_EINVAL;
    }
    rec.scope = apr_table_get(fields, "s");
    if (rec.scope == NULL) {
        return APR_EINVAL;
    }
    rec.username = apr_table_get(fields, "n");
    rec.name = apr_table_get(fields, "m");
    v = apr_table_get(fields, "r");
    if (v != NULL && !threads_parse_positive(v, &rec.refresh_after)) {
        return APR_EINVAL;
    }
    *t = rec;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Pending logins                                                      */
/* ------------------------------------------------------------------ */

/*
 * Form: "1", then one line per login: state, created, scope and return
 * URL separated by single spaces. Fields are percent-escaped only where
 * needed (space, controls, non-ASCII, '%', '+'), so a local URL keeps its
 * length: the whole list has to fit a cookie after sealing.
 */

/* A field escaped for the pending form. */
static char *threads_pending_escape(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *c;
    apr_size_t n = 0;
    char *out, *o;

    for (c = (const unsigned char *)s; *c; c++) {
        n += (*c < 0x21 || *c > 0x7e || *c == '%' || *c == '+') ? 3 : 1;
    }
    out = o = apr_palloc(p, n + 1);
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x21 || *c > 0x7e || *c == '%' || *c == '+') {
            *o++ = '%';
            *o++ = hex[*c >> 4];
            *o++ = hex[*c & 0x0f];
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

    APR_ARRAY_PUSH(lines, const char *) = THREADS_RECORD_VERSION;
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
        char c = *s;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return 0;
        }
    }
    return n == THREADS_STATE_CHARS;
}

/* 1 when s is a comma-joined list of permission names (or empty). */
static int threads_scope_text_is_valid(const char *s)
{
    for (; *s; s++) {
        char c = *s;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ',')) {
            return 0;
        }
    }
    return 1;
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
        !threads_parse_positive(value[1], &e->created) ||
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
    apr_size_t vlen = sizeof(THREADS_RECORD_VERSION) - 1;

    if (s == NULL || strncmp(s, THREADS_RECORD_VERSION, vlen) != 0 ||
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

/* A new unguessable state value from OpenSSL's CSPRNG. */
apr_status_t threads_state_generate(apr_pool_t *p, char **state)
{
    unsigned char raw[THREADS_STATE_BYTES];

    *state = NULL;
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return APR_EGENERAL;
    }
    *state = threads_base64url_encode(p, raw, sizeof(raw));
    OPENSSL_cleanse(raw, sizeof(raw));
    return APR_SUCCESS;
}

void threads_token_apply(threads_token_t *t, const threads_token_reply_t *reply,
                         threads_token_type_e type, apr_int64_t now)
{
    apr_int64_t lifetime = type == THREADS_TOKEN_LONG
                               ? THREADS_LONG_TOKEN_LIFETIME
                               : THREADS_SHORT_TOKEN_LIFETIME;

    t->access_token = reply->access_token;
    t->type = type;
    t->issued_at = now;
    t->expires_at =
        now + (reply->expires_in > 0 ? reply->expires_in : lifetime);
    t->refresh_after = 0;
}
