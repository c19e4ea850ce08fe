/*
 * revocation.c: the per-user revocation record and its text form
 * (revocation.h).
 *
 * The record lives in a shared store that other servers write too: its
 * text is parsed strictly, and a record that does not parse counts as
 * "revokes nothing" for the caller to log.
 */
#include <string.h>

#include "apr_strings.h"

#include "core/revocation.h"
#include "core/text.h"

#define THREADS_REVOCATION_VERSION "1"
/* Longest login id taken from a record. */
#define THREADS_REVOCATION_ID_MAX 64

threads_revocation_t *threads_revocation_make(apr_pool_t *p)
{
    threads_revocation_t *rev = apr_pcalloc(p, sizeof(*rev));

    rev->logins = apr_array_make(p, 4, sizeof(threads_revoked_login_t));
    return rev;
}

char *threads_revocation_encode(apr_pool_t *p, const threads_revocation_t *rev)
{
    apr_array_header_t *lines = apr_array_make(p, 4, sizeof(const char *));
    int i;

    APR_ARRAY_PUSH(lines, const char *) = apr_psprintf(
        p, THREADS_REVOCATION_VERSION " %" APR_INT64_T_FMT " %" APR_INT64_T_FMT,
        rev->before, rev->before_until);
    for (i = 0; i < rev->logins->nelts; i++) {
        const threads_revoked_login_t *l =
            &APR_ARRAY_IDX(rev->logins, i, threads_revoked_login_t);

        APR_ARRAY_PUSH(lines, const char *) =
            apr_psprintf(p, "%s %" APR_INT64_T_FMT, l->login_id, l->until);
    }
    return apr_array_pstrcat(p, lines, '\n');
}

/* Reads a number of at most 19 digits (0 allowed) of the len bytes at s. */
static int threads_revocation_number(const char *s, apr_size_t len,
                                     apr_int64_t *out)
{
    char buf[20];

    if (len == 1 && s[0] == '0') {
        *out = 0;
        return 1;
    }
    if (!threads_text_all_digits(s, len, 19)) {
        return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    return threads_text_parse_positive(buf, out);
}

/* Splits the line of len bytes at line into two words at its one space. */
static int threads_revocation_words(const char *line, apr_size_t len,
                                    apr_size_t *first_len)
{
    const char *sp = memchr(line, ' ', len);

    if (sp == NULL || memchr(sp + 1, ' ', len - (sp - line) - 1) != NULL) {
        return 0;
    }
    *first_len = (apr_size_t)(sp - line);
    return *first_len > 0 && *first_len + 1 < len;
}

/* Reads one login line into rev. */
static int threads_revocation_login_line(apr_pool_t *p, const char *line,
                                         apr_size_t len,
                                         threads_revocation_t *rev)
{
    threads_revoked_login_t l;
    apr_size_t id_len, i;

    if (!threads_revocation_words(line, len, &id_len) ||
        id_len > THREADS_REVOCATION_ID_MAX ||
        rev->logins->nelts >= THREADS_REVOKED_LOGINS_MAX) {
        return 0;
    }
    for (i = 0; i < id_len; i++) {
        if (threads_text_b64url_value((unsigned char)line[i]) < 0) {
            return 0;
        }
    }
    if (!threads_revocation_number(line + id_len + 1, len - id_len - 1,
                                   &l.until)) {
        return 0;
    }
    l.login_id = apr_pstrmemdup(p, line, id_len);
    APR_ARRAY_PUSH(rev->logins, threads_revoked_login_t) = l;
    return 1;
}

apr_status_t threads_revocation_decode(apr_pool_t *p, const char *text,
                                       apr_size_t len,
                                       threads_revocation_t **out)
{
    threads_revocation_t *rev = threads_revocation_make(p);
    const char *end, *line, *nl;
    apr_size_t vlen = sizeof(THREADS_REVOCATION_VERSION) - 1, first;

    *out = NULL;
    if (text == NULL || len < vlen + 4 ||
        memcmp(text, THREADS_REVOCATION_VERSION " ", vlen + 1) != 0) {
        return APR_EINVAL;
    }
    end = text + len;
    nl = memchr(text, '\n', len);
    line = text + vlen + 1;
    len = (apr_size_t)((nl ? nl : end) - line);
    if (!threads_revocation_words(line, len, &first) ||
        !threads_revocation_number(line, first, &rev->before) ||
        !threads_revocation_number(line + first + 1, len - first - 1,
                                   &rev->before_until)) {
        return APR_EINVAL;
    }
    while (nl != NULL) {
        line = nl + 1;
        nl = memchr(line, '\n', (apr_size_t)(end - line));
        if (!threads_revocation_login_line(
                p, line, (apr_size_t)((nl ? nl : end) - line), rev)) {
            return APR_EINVAL;
        }
    }
    *out = rev;
    return APR_SUCCESS;
}

int threads_revocation_covers(const threads_revocation_t *rev,
                              apr_int64_t login_at, const char *login_id)
{
    int i;

    if (rev == NULL) {
        return 0;
    }
    if (login_at <= rev->before) {
        return 1;
    }
    for (i = 0; login_id != NULL && i < rev->logins->nelts; i++) {
        if (!strcmp(
                APR_ARRAY_IDX(rev->logins, i, threads_revoked_login_t).login_id,
                login_id)) {
            return 1;
        }
    }
    return 0;
}

void threads_revocation_add_user(threads_revocation_t *rev, apr_int64_t now,
                                 apr_int64_t keep_until)
{
    int i;

    if (now > rev->before) {
        rev->before = now;
    }
    if (keep_until > rev->before_until) {
        rev->before_until = keep_until;
    }
    /* Every listed login started before now, so "before" covers it: the
     * list goes, its expiries stay. */
    for (i = 0; i < rev->logins->nelts; i++) {
        apr_int64_t until =
            APR_ARRAY_IDX(rev->logins, i, threads_revoked_login_t).until;

        if (until > rev->before_until) {
            rev->before_until = until;
        }
    }
    rev->logins->nelts = 0;
}

void threads_revocation_add_login(threads_revocation_t *rev,
                                  const char *login_id, apr_int64_t until,
                                  apr_int64_t now)
{
    int i, kept = 0, listed = 0;

    for (i = 0; i < rev->logins->nelts; i++) {
        threads_revoked_login_t *l =
            &APR_ARRAY_IDX(rev->logins, i, threads_revoked_login_t);

        if (l->until <= now) {
            continue; /* its token has expired: nothing left to refuse */
        }
        if (!strcmp(l->login_id, login_id)) {
            /* Listed already: it stays where it is, so that adding a
             * login twice gives the same record (the store merges a
             * change made on two servers at once by applying it again). */
            listed = 1;
            if (until > l->until) {
                l->until = until;
            }
        }
        APR_ARRAY_IDX(rev->logins, kept++, threads_revoked_login_t) = *l;
    }
    rev->logins->nelts = kept;
    if (listed) {
        return;
    }
    if (kept >= THREADS_REVOKED_LOGINS_MAX) {
        /* Too many single logouts to list: every login so far goes. */
        threads_revocation_add_user(rev, now, until);
        return;
    }
    APR_ARRAY_PUSH(rev->logins, threads_revoked_login_t) =
        (threads_revoked_login_t){login_id, until};
}

apr_int64_t threads_revocation_expiry(const threads_revocation_t *rev,
                                      apr_int64_t now)
{
    apr_int64_t expiry = rev->before > 0 ? rev->before_until : 0;
    int i;

    for (i = 0; i < rev->logins->nelts; i++) {
        apr_int64_t until =
            APR_ARRAY_IDX(rev->logins, i, threads_revoked_login_t).until;

        if (until > expiry) {
            expiry = until;
        }
    }
    return expiry > now ? expiry : 0;
}
