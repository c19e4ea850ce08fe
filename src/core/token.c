/*
 * token.c: the text form of the token record (token.h).
 *
 * The form is sealed before it is stored; decoding still checks every
 * field, so a record from an older or newer module, or one written by a
 * bug, never reaches the request path half-formed.
 */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/codec.h"
#include "core/query.h"
#include "core/text.h"
#include "core/token.h"

/* The version written first. */
#define THREADS_TOKEN_VERSION "1"
/* Longest login id taken from a record. */
#define THREADS_LOGIN_ID_MAX 64
/* Largest decoded field of a record (the token is far smaller). */
#define THREADS_TOKEN_FIELD_MAX 16384

/* Random bytes in a login id. */
#define THREADS_LOGIN_ID_BYTES 16

apr_status_t threads_token_new_login_id(apr_pool_t *p, const char **id)
{
    char *made;
    apr_status_t rv =
        threads_random_base64url(p, THREADS_LOGIN_ID_BYTES, &made);

    *id = made;
    return rv;
}

const char *threads_token_type_name(threads_token_type_e type)
{
    return type == THREADS_TOKEN_LONG ? "long" : "short";
}

/* 1 when s is 1..max bytes of visible ASCII. */
static int threads_token_field_visible(const char *s, apr_size_t max)
{
    return s != NULL && strlen(s) <= max &&
           threads_text_all_visible(s, strlen(s));
}

/* The record as v=1&t=...&u=...; NULL when it lacks token or user. */
char *threads_token_encode(apr_pool_t *p, const threads_token_t *t)
{
    const char *pairs[] = {"v", THREADS_TOKEN_VERSION,
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
                           "j", NULL,
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
    pairs[23] = t->login_id;
    return threads_form_encode(p, pairs);
}

/* Every required field must be present and well formed; unknown fields
 * are left for later versions. */
apr_status_t threads_token_decode(apr_pool_t *p, const char *s,
                                  threads_token_t *t)
{
    threads_token_t rec;
    apr_table_t *fields;
    const char *v, *k;

    memset(t, 0, sizeof(*t));
    if (s == NULL || threads_query_parse(p, s, THREADS_TOKEN_FIELD_MAX, &fields,
                                         NULL) != THREADS_QUERY_OK) {
        return APR_EINVAL;
    }
    memset(&rec, 0, sizeof(rec));
    v = apr_table_get(fields, "v");
    if (v == NULL || strcmp(v, THREADS_TOKEN_VERSION) != 0) {
        return APR_EINVAL;
    }
    rec.access_token = apr_table_get(fields, "t");
    rec.user_id = apr_table_get(fields, "u");
    if (!threads_token_field_visible(rec.access_token, THREADS_TOKEN_MAX) ||
        rec.user_id == NULL ||
        !threads_text_all_digits(rec.user_id, strlen(rec.user_id),
                                 THREADS_USER_ID_MAX)) {
        return APR_EINVAL;
    }
    if (!threads_text_parse_positive(apr_table_get(fields, "e"),
                                     &rec.expires_at) ||
        !threads_text_parse_positive(apr_table_get(fields, "i"),
                                     &rec.issued_at) ||
        !threads_text_parse_positive(apr_table_get(fields, "l"),
                                     &rec.login_at)) {
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
    if (v != NULL && !threads_text_parse_positive(v, &rec.refresh_after)) {
        return APR_EINVAL;
    }
    rec.login_id = apr_table_get(fields, "j");
    if (rec.login_id != NULL &&
        !threads_token_field_visible(rec.login_id, THREADS_LOGIN_ID_MAX)) {
        return APR_EINVAL;
    }
    *t = rec;
    return APR_SUCCESS;
}

/* apr_pstrdup of NULL is NULL: absent fields stay absent. */
threads_token_t *threads_token_copy(apr_pool_t *p, const threads_token_t *t)
{
    threads_token_t *c = apr_pmemdup(p, t, sizeof(*t));

    c->access_token = apr_pstrdup(p, t->access_token);
    c->user_id = apr_pstrdup(p, t->user_id);
    c->login_id = apr_pstrdup(p, t->login_id);
    c->scope = apr_pstrdup(p, t->scope);
    c->username = apr_pstrdup(p, t->username);
    c->name = apr_pstrdup(p, t->name);
    return c;
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
    if (reply->expires_in > 0) {
        lifetime = reply->expires_in < THREADS_TOKEN_LIFETIME_MAX
                       ? reply->expires_in
                       : THREADS_TOKEN_LIFETIME_MAX;
    }
    t->expires_at = now + lifetime;
    t->refresh_after = 0;
}
