/*
 * fuzz_token_json.c: the answers of Threads' token endpoints
 * (threads_json_parse_token_reply) and of /v1.0/me
 * (threads_json_parse_profile).
 *
 * Input: one selector byte, then the body. An odd selector parses the body
 * as a code exchange (user_id required), an even one as a long-lived
 * exchange or refresh; corpus files start with '1' or '0' accordingly.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apr_strings.h"

#include "core/bounds.h"
#include "core/json.h"
#include "core/token.h"
#include "fuzz_common.h"

/* Longest Meta error message and type kept (threads_json.c). */
#define FUZZ_ERROR_MESSAGE_MAX 1024
#define FUZZ_ERROR_TYPE_MAX    128
/* Longest username and name kept. */
#define FUZZ_PROFILE_FIELD_MAX 256

/* 1 when s is 1..max decimal digits without a leading zero. */
static int is_id(const char *s, size_t max)
{
    size_t len = s != NULL ? strlen(s) : 0;

    return len >= 1 && len <= max && s[0] != '0' &&
           strspn(s, "0123456789") == len;
}

/* 1 when s is NULL, or at most max bytes of UTF-8. */
static int is_short_text(const char *s, size_t max)
{
    return s == NULL || (strlen(s) <= max && fuzz_utf8_valid(s, strlen(s)));
}

/* 1 when s is NULL, or at most max bytes of UTF-8 without controls. */
static int is_profile_text(const char *s, size_t max)
{
    const unsigned char *c;

    if (s == NULL) {
        return 1;
    }
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            return 0;
        }
        /* C1 controls: U+0080..U+009F. */
        if (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f) {
            return 0;
        }
        /* U+061C, the Arabic letter mark. */
        if (c[0] == 0xd8 && c[1] == 0x9c) {
            return 0;
        }
        /* U+200E/F marks, U+2028/9 separators, U+202A..E embeddings and
         * overrides, U+2066..9 isolates. */
        if (c[0] == 0xe2 && c[1] == 0x80 &&
            (c[2] == 0x8e || c[2] == 0x8f || (c[2] >= 0xa8 && c[2] <= 0xae))) {
            return 0;
        }
        if (c[0] == 0xe2 && c[1] == 0x81 && c[2] >= 0xa6 && c[2] <= 0xa9) {
            return 0;
        }
    }
    return *s != '\0' && is_short_text(s, max);
}

/* Changes every letter and digit of s (len bytes) to the next one of its
 * kind: same length, same validity, other characters. */
static void rotate(char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];

        if (c >= 'a' && c <= 'z') {
            s[i] = c == 'z' ? 'a' : (char)(c + 1);
        }
        else if (c >= 'A' && c <= 'Z') {
            s[i] = c == 'Z' ? 'A' : (char)(c + 1);
        }
        else if (c >= '0' && c <= '9') {
            s[i] = c == '9' ? '0' : (char)(c + 1);
        }
    }
}

/* The problem text never depends on the access_token: when the body holds
 * one, the same body with the token's letters and digits changed must give
 * the same problem, and a problem quoting the token would quote the changed
 * one too. */
static void check_problem_hides_token(apr_pool_t *p, const char *body,
                                      size_t len, int need_user_id,
                                      const threads_token_reply_t *r)
{
    json_error_t err;
    json_t *root, *tok;
    char *token, *other, *dump;
    size_t tlen;
    threads_token_reply_t r2;

    if (r->problem == NULL || len == 0) {
        return;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        return;
    }
    tok = json_object_get(root, "access_token");
    if (!json_is_string(tok) || json_string_length(tok) == 0) {
        json_decref(root);
        return;
    }
    tlen = json_string_length(tok);
    token = apr_pstrmemdup(p, json_string_value(tok), tlen);
    other = apr_pstrmemdup(p, token, tlen);
    rotate(other, tlen);
    json_object_set_new(root, "access_token", json_stringn(other, tlen));
    dump = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    FUZZ_CHECK(dump != NULL, "json_dumps failed");
    threads_json_parse_token_reply(p, dump, strlen(dump), need_user_id, &r2);
    free(dump);
    FUZZ_CHECK(r2.problem != NULL, "changing the token made the answer OK");
    /* Eight characters: shorter ones may occur in a fixed text by chance. */
    FUZZ_CHECK(tlen < 8 || strstr(r->problem, token) == NULL ||
                   strstr(r2.problem, other) == NULL,
               "problem text quotes the access_token");
    FUZZ_CHECK(strcmp(r2.problem, r->problem) == 0,
               "problem text depends on the access_token");
}

/* Puts an accepted answer into a token record as the module does, and
 * checks the record's expiry and that it survives encode and decode. */
static void check_apply(apr_pool_t *p, const threads_token_reply_t *r,
                        int need_user_id)
{
    const apr_int64_t now = 1700000000;
    threads_token_t t, back;
    char *enc;

    memset(&t, 0, sizeof(t));
    t.user_id = r->user_id != NULL ? r->user_id : "17841405793187218";
    t.login_at = now;
    t.refresh_after = now + 60;
    t.scope = "threads_basic";
    threads_token_apply(
        &t, r, need_user_id ? THREADS_TOKEN_SHORT : THREADS_TOKEN_LONG, now);
    FUZZ_CHECK(t.access_token != NULL &&
                   strcmp(t.access_token, r->access_token) == 0,
               "token_apply did not keep the token");
    FUZZ_CHECK(t.issued_at == now, "token_apply did not set issued_at");
    FUZZ_CHECK(t.expires_at > now, "token_apply set an expiry in the past");
    FUZZ_CHECK(r->expires_in <= 0 ||
                   t.expires_at ==
                       now + (r->expires_in < THREADS_TOKEN_LIFETIME_MAX
                                  ? r->expires_in
                                  : THREADS_TOKEN_LIFETIME_MAX),
               "token_apply ignored expires_in");
    FUZZ_CHECK(t.expires_at - now <= THREADS_TOKEN_LIFETIME_MAX,
               "token_apply kept a token past the longest lifetime");
    FUZZ_CHECK(t.refresh_after == 0, "token_apply kept a refresh retry time");
    enc = threads_token_encode(p, &t);
    FUZZ_CHECK(enc != NULL &&
                   threads_token_decode(p, enc, &back) == APR_SUCCESS,
               "an accepted token does not make a valid record");
    FUZZ_CHECK(strcmp(back.access_token, t.access_token) == 0 &&
                   strcmp(back.user_id, t.user_id) == 0 &&
                   back.expires_at == t.expires_at,
               "an accepted token changes in the record");
}

/* Checks one token answer against what the header promises. */
static void check_token_reply(apr_pool_t *p, const char *body, size_t len,
                              int need_user_id)
{
    threads_token_reply_t r;
    size_t tlen;

    threads_json_parse_token_reply(p, body, len, need_user_id, &r);
    switch (r.kind) {
        case THREADS_REPLY_OK:
            FUZZ_CHECK(r.problem == NULL, "OK answer with a problem");
            FUZZ_CHECK(r.access_token != NULL, "OK answer without a token");
            tlen = strlen(r.access_token);
            FUZZ_CHECK(tlen >= 1 && tlen <= THREADS_TOKEN_MAX,
                       "token length outside 1..THREADS_TOKEN_MAX");
            FUZZ_CHECK(fuzz_is_printable(r.access_token) &&
                           strchr(r.access_token, ' ') == NULL,
                       "token is not printable ASCII without space");
            FUZZ_CHECK(r.user_id != NULL || !need_user_id,
                       "code exchange accepted without a user_id");
            FUZZ_CHECK(r.user_id == NULL ||
                           is_id(r.user_id, THREADS_USER_ID_MAX),
                       "user_id is not digits without a leading zero");
            FUZZ_CHECK(r.expires_in == -1 ||
                           (r.expires_in >= 1 && r.expires_in <= INT_MAX),
                       "expires_in out of range");
            FUZZ_CHECK(r.error.type == NULL && r.error.message == NULL,
                       "OK answer with an error");
            check_apply(p, &r, need_user_id);
            break;
        case THREADS_REPLY_REJECTED:
            FUZZ_CHECK(r.problem != NULL, "rejection without a problem");
            FUZZ_CHECK(r.access_token == NULL, "rejection with a token");
            FUZZ_CHECK(is_short_text(r.error.message, FUZZ_ERROR_MESSAGE_MAX),
                       "error_message too long or not UTF-8");
            FUZZ_CHECK(is_short_text(r.error.type, FUZZ_ERROR_TYPE_MAX),
                       "error_type too long or not UTF-8");
            break;
        case THREADS_REPLY_INVALID:
            FUZZ_CHECK(r.problem != NULL, "invalid answer without a problem");
            FUZZ_CHECK(r.access_token == NULL && r.user_id == NULL,
                       "invalid answer with a token or user");
            break;
        default:
            FUZZ_CHECK(0, "unknown reply kind");
    }
    if (r.problem != NULL) {
        FUZZ_CHECK(fuzz_is_printable(r.problem), "problem is not printable");
        check_problem_hides_token(p, body, len, need_user_id, &r);
    }
}

/* Checks one profile answer. */
static void check_profile(apr_pool_t *p, const char *body, size_t len)
{
    threads_profile_reply_t r;

    threads_json_parse_profile(p, body, len, &r);
    switch (r.kind) {
        case THREADS_REPLY_OK:
            FUZZ_CHECK(r.problem == NULL, "OK profile with a problem");
            FUZZ_CHECK(is_id(r.id, THREADS_USER_ID_MAX),
                       "profile id is not digits without a leading zero");
            FUZZ_CHECK(is_profile_text(r.username, FUZZ_PROFILE_FIELD_MAX),
                       "username empty, too long, not UTF-8 or with a "
                       "control or direction character");
            FUZZ_CHECK(is_profile_text(r.name, FUZZ_PROFILE_FIELD_MAX),
                       "name empty, too long, not UTF-8 or with a control "
                       "or direction character");
            break;
        case THREADS_REPLY_REJECTED:
            FUZZ_CHECK(r.problem != NULL, "profile rejection without problem");
            FUZZ_CHECK(is_short_text(r.error.message, FUZZ_ERROR_MESSAGE_MAX),
                       "profile error_message too long or not UTF-8");
            FUZZ_CHECK(r.id == NULL, "profile rejection with an id");
            break;
        case THREADS_REPLY_INVALID:
            FUZZ_CHECK(r.problem != NULL, "invalid profile without problem");
            FUZZ_CHECK(r.id == NULL, "invalid profile with an id");
            break;
        default:
            FUZZ_CHECK(0, "unknown profile reply kind");
    }
    if (r.problem != NULL) {
        FUZZ_CHECK(fuzz_is_printable(r.problem),
                   "profile problem is not printable");
    }
}

/* One input: selector byte and body. The body is passed in place, not
 * NUL-terminated, so a read past its end is caught. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *body;
    size_t len;
    int need_user_id;

    if (size == 0) {
        return 0;
    }
    need_user_id = data[0] & 1;
    body = (const char *)data + 1;
    len = size - 1;
    p = fuzz_pool_begin();
    check_token_reply(p, body, len, need_user_id);
    check_token_reply(p, body, len, !need_user_id);
    check_profile(p, body, len);
    fuzz_pool_end(p);
    return 0;
}
