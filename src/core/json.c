/*
 * json.c: reading the JSON answers of Threads (jansson), the only file
 * that includes jansson.
 *
 * Every answer is untrusted: it is parsed strictly (no duplicate keys, no
 * \u0000, valid UTF-8, nothing after the value, integers within 64 bits) and
 * every field that leaves this file is checked and copied into the caller's
 * pool. Problem texts are fixed strings: values from the body may be codes
 * or tokens, so none of them is ever quoted.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "apr_strings.h"

#include "core/bounds.h"
#include "core/json.h"
#include "core/text.h"

/* Threads issues tokens for 60 days; ten years is far beyond any real
 * answer and keeps expiry arithmetic clear of overflow. */
#define THREADS_EXPIRES_IN_MAX 315360000
/* An expires_in given as a string: at most the digits of the maximum. */
#define THREADS_EXPIRES_IN_DIGITS 9
/* Meta's error texts are short; a long one is cut for the error page. */
#define THREADS_ERROR_MESSAGE_MAX 1024
/* Error types are names such as "OAuthException". */
#define THREADS_ERROR_TYPE_MAX 128
/* Username and display name of the profile. */
#define THREADS_PROFILE_FIELD_MAX 256

/* Pool cleanup that drops the document when its pool goes away, so no
 * early return can leak it. */
static apr_status_t threads_json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

/* A fixed description of a parse error; jansson's own text quotes the
 * input, which may hold a secret. */
static const char *threads_json_error_text(const json_error_t *err)
{
    switch (json_error_code(err)) {
        case json_error_invalid_utf8:
            return "not JSON: invalid UTF-8";
        case json_error_null_character:
        case json_error_null_byte_in_key:
            return "not JSON: NUL character";
        case json_error_duplicate_key:
            return "not JSON: duplicate key";
        case json_error_numeric_overflow:
            return "not JSON: number out of range";
        case json_error_end_of_input_expected:
            return "not JSON: data after the value";
        case json_error_premature_end_of_input:
            return "not JSON: truncated";
        case json_error_stack_overflow:
            return "not JSON: nested too deeply";
        default:
            return "not JSON";
    }
}

/* Parses body as one JSON object owned by p. NULL and *problem when it is
 * not one. */
static json_t *threads_json_load_object(apr_pool_t *p, const char *body,
                                        apr_size_t len, const char **problem)
{
    json_error_t err;
    json_t *root;

    if (body == NULL || len == 0) {
        *problem = "empty body";
        return NULL;
    }
    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        *problem = threads_json_error_text(&err);
        return NULL;
    }
    apr_pool_cleanup_register(p, root, threads_json_release,
                              apr_pool_cleanup_null);
    if (!json_is_object(root)) {
        *problem = "not a JSON object";
        return NULL;
    }
    return root;
}

/* A member that is absent or null reads as NULL: both mean "not given". */
static json_t *threads_json_member(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_null(v) ? NULL : v;
}

/* Length of the longest prefix of s (len bytes, valid UTF-8) that is at
 * most max bytes and does not split a character. */
static apr_size_t threads_json_utf8_cut(const char *s, apr_size_t len,
                                        apr_size_t max)
{
    apr_size_t cut;

    if (len <= max) {
        return len;
    }
    cut = max;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) {
        cut--;
    }
    return cut;
}

/* A pool copy of a string member cut to max bytes at a character boundary;
 * NULL when v is not a string. */
static const char *threads_json_text(apr_pool_t *p, json_t *v, apr_size_t max)
{
    const char *s;

    if (!json_is_string(v)) {
        return NULL;
    }
    s = json_string_value(v);
    return apr_pstrmemdup(p, s,
                          threads_json_utf8_cut(s, json_string_length(v), max));
}

/* 1 when s (len bytes) is 1..max decimal digits without a leading zero. */
static int threads_json_digits_ok(const char *s, apr_size_t len, apr_size_t max)
{
    return threads_text_all_digits(s, len, max) && s[0] != '0';
}

/* Reads a user id: a positive integer, kept digit for digit (never through
 * a double, ids exceed 2^53), or a string of digits. NULL for anything
 * else. */
static const char *threads_json_read_id(apr_pool_t *p, json_t *v)
{
    char buf[32];

    if (json_is_integer(v)) {
        json_int_t id = json_integer_value(v);

        if (id <= 0) {
            return NULL;
        }
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, id);
        return apr_pstrdup(p, buf);
    }
    if (json_is_string(v) &&
        threads_json_digits_ok(json_string_value(v), json_string_length(v),
                               THREADS_USER_ID_MAX)) {
        return apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    }
    return NULL;
}

/* Reads expires_in into *out: 1..THREADS_EXPIRES_IN_MAX seconds as an
 * integer or a string of digits. Returns 0 for anything else. */
static int threads_json_read_expires(json_t *v, apr_int64_t *out)
{
    apr_int64_t n = 0;

    if (json_is_integer(v)) {
        n = json_integer_value(v);
    }
    else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        apr_size_t len = json_string_length(v), i;

        if (!threads_json_digits_ok(s, len, THREADS_EXPIRES_IN_DIGITS)) {
            return 0;
        }
        for (i = 0; i < len; i++) {
            n = n * 10 + (s[i] - '0');
        }
    }
    else {
        return 0;
    }
    if (n < 1 || n > THREADS_EXPIRES_IN_MAX) {
        return 0;
    }
    *out = n;
    return 1;
}

/* Reads an error code given as an integer or a string of digits; 0 when
 * there is none or it is unreadable (the code is informational). */
static apr_int64_t threads_json_read_code(json_t *v)
{
    apr_int64_t n = 0;

    if (json_is_integer(v)) {
        return json_integer_value(v);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        apr_size_t len = json_string_length(v), i;

        if (!threads_json_digits_ok(s, len, 18)) {
            return 0;
        }
        for (i = 0; i < len; i++) {
            n = n * 10 + (s[i] - '0');
        }
    }
    return n;
}

/* A short opaque text of an error (fbtrace_id): visible ASCII of at most
 * THREADS_ERROR_TYPE_MAX bytes, else NULL (it goes into a log line). */
static const char *threads_json_trace_id(apr_pool_t *p, json_t *v)
{
    if (!json_is_string(v) || json_string_length(v) > THREADS_ERROR_TYPE_MAX ||
        !threads_text_all_visible(json_string_value(v),
                                  json_string_length(v))) {
        return NULL;
    }
    return apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
}

/* Recognises the error shapes of Threads ({"error_type", "error_message",
 * "code"}), of OAuth ({"error": "...", "error_description"}) and of the
 * Graph API ({"error": {"message", "type", "code", "error_subcode",
 * "fbtrace_id"}}). Returns 1 and fills err (each field possibly NULL or 0)
 * when obj is an error. */
static int threads_json_read_error(apr_pool_t *p, json_t *obj,
                                   threads_json_error_t *err)
{
    json_t *etype = threads_json_member(obj, "error_type");
    json_t *emsg = threads_json_member(obj, "error_message");
    json_t *inner = threads_json_member(obj, "error");

    memset(err, 0, sizeof(*err));
    if (etype != NULL || emsg != NULL) {
        err->type = threads_json_text(p, etype, THREADS_ERROR_TYPE_MAX);
        err->message = threads_json_text(p, emsg, THREADS_ERROR_MESSAGE_MAX);
        err->code = threads_json_read_code(json_object_get(obj, "code"));
        err->subcode =
            threads_json_read_code(json_object_get(obj, "error_subcode"));
        err->fbtrace_id =
            threads_json_trace_id(p, json_object_get(obj, "fbtrace_id"));
        return 1;
    }
    if (inner == NULL) {
        return 0;
    }
    if (json_is_object(inner)) {
        err->type = threads_json_text(p, json_object_get(inner, "type"),
                                      THREADS_ERROR_TYPE_MAX);
        err->message = threads_json_text(p, json_object_get(inner, "message"),
                                         THREADS_ERROR_MESSAGE_MAX);
        err->code = threads_json_read_code(json_object_get(inner, "code"));
        err->subcode =
            threads_json_read_code(json_object_get(inner, "error_subcode"));
        err->fbtrace_id =
            threads_json_trace_id(p, json_object_get(inner, "fbtrace_id"));
    }
    else if (json_is_string(inner)) {
        err->type = threads_json_text(p, inner, THREADS_ERROR_TYPE_MAX);
        err->message =
            threads_json_text(p, json_object_get(obj, "error_description"),
                              THREADS_ERROR_MESSAGE_MAX);
        err->code = threads_json_read_code(json_object_get(obj, "code"));
    }
    return 1;
}

/* Why an access token cannot be used, or NULL when it can: it ends up in
 * headers, environment variables and a cookie. */
static const char *threads_json_token_problem(json_t *v)
{
    const char *s;
    apr_size_t len;

    if (v == NULL) {
        return "no access_token";
    }
    if (!json_is_string(v)) {
        return "access_token is not a string";
    }
    s = json_string_value(v);
    len = json_string_length(v);
    if (len == 0) {
        return "access_token is empty";
    }
    if (len > THREADS_TOKEN_MAX) {
        return "access_token is too long";
    }
    if (!threads_text_all_visible(s, len)) {
        return "access_token has a character outside printable ASCII";
    }
    return NULL;
}

/* Reads a token answer; see json.h for what each kind means. */
void threads_json_parse_token_reply(apr_pool_t *p, const char *body,
                                    apr_size_t len, int need_user_id,
                                    threads_token_reply_t *out)
{
    json_t *root, *token, *uid, *expires;
    const char *user_id = NULL;
    apr_int64_t expires_in = -1;

    memset(out, 0, sizeof(*out));
    out->kind = THREADS_REPLY_INVALID;
    out->expires_in = -1;

    root = threads_json_load_object(p, body, len, &out->problem);
    if (root == NULL) {
        return;
    }
    if (threads_json_read_error(p, root, &out->error)) {
        out->kind = THREADS_REPLY_REJECTED;
        out->problem = "Threads answered with an error";
        return;
    }

    token = threads_json_member(root, "access_token");
    out->problem = threads_json_token_problem(token);
    if (out->problem != NULL) {
        return;
    }

    uid = threads_json_member(root, "user_id");
    if (uid != NULL) {
        user_id = threads_json_read_id(p, uid);
        if (user_id == NULL) {
            out->problem = "user_id is not a positive integer";
            return;
        }
    }
    else if (need_user_id) {
        out->problem = "no user_id";
        return;
    }

    expires = threads_json_member(root, "expires_in");
    if (expires != NULL && !threads_json_read_expires(expires, &expires_in)) {
        out->problem = "expires_in is not a valid number of seconds";
        return;
    }

    out->kind = THREADS_REPLY_OK;
    out->problem = NULL;
    out->access_token =
        apr_pstrmemdup(p, json_string_value(token), json_string_length(token));
    out->user_id = user_id;
    out->expires_in = expires_in;
}

/* Reads an optional profile text into *out (NULL when absent or empty).
 * Returns a problem text for a value that is not a string or holds a
 * character that must not reach a header or variable (controls, C1,
 * direction overrides: text.h); a value over the cap is cut when cut is
 * set, else refused (a username is an identity and must not be
 * altered). */
static const char *threads_json_profile_text(apr_pool_t *p, json_t *v, int cut,
                                             const char **out)
{
    const unsigned char *s;
    apr_size_t len, i, n;
    unsigned long cp;

    *out = NULL;
    if (v == NULL) {
        return NULL;
    }
    if (!json_is_string(v)) {
        return "not a string";
    }
    s = (const unsigned char *)json_string_value(v);
    len = json_string_length(v);
    for (i = 0; i < len; i += n) {
        /* jansson hands out valid UTF-8 without NUL; still, check. */
        n = threads_text_utf8_char(s + i, &cp);
        if (n == 0) {
            return "is not UTF-8";
        }
        if (threads_text_is_unsafe_char(cp)) {
            return "has a control or text direction character";
        }
    }
    if (len > THREADS_PROFILE_FIELD_MAX && !cut) {
        return "is too long";
    }
    if (len > 0) {
        *out = threads_json_text(p, v, THREADS_PROFILE_FIELD_MAX);
    }
    return NULL;
}

/* Reads the /v1.0/me answer: id required, username and name optional. */
void threads_json_parse_profile(apr_pool_t *p, const char *body, apr_size_t len,
                                threads_profile_reply_t *out)
{
    json_t *root, *id;
    const char *username, *name, *why;

    memset(out, 0, sizeof(*out));
    out->kind = THREADS_REPLY_INVALID;

    root = threads_json_load_object(p, body, len, &out->problem);
    if (root == NULL) {
        return;
    }
    if (threads_json_read_error(p, root, &out->error)) {
        out->kind = THREADS_REPLY_REJECTED;
        out->problem = "Threads answered with an error";
        return;
    }

    id = threads_json_member(root, "id");
    if (id == NULL) {
        out->problem = "no id";
        return;
    }
    out->id = threads_json_read_id(p, id);
    if (out->id == NULL) {
        out->problem = "id is not a positive integer";
        return;
    }
    why = threads_json_profile_text(p, threads_json_member(root, "username"), 0,
                                    &username);
    if (why != NULL) {
        out->id = NULL;
        out->problem = apr_pstrcat(p, "username ", why, (char *)NULL);
        return;
    }
    why = threads_json_profile_text(p, threads_json_member(root, "name"), 1,
                                    &name);
    if (why != NULL) {
        out->id = NULL;
        out->problem = apr_pstrcat(p, "name ", why, (char *)NULL);
        return;
    }

    out->kind = THREADS_REPLY_OK;
    out->problem = NULL;
    out->username = username;
    out->name = name;
}

/* A positive integer member, or 0. */
static apr_int64_t threads_json_positive(json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) > 0
               ? (apr_int64_t)json_integer_value(v)
               : 0;
}

const char *threads_json_parse_signed_payload(apr_pool_t *p, const char *body,
                                              apr_size_t len,
                                              threads_signed_payload_t *out)
{
    const char *problem = NULL;
    json_t *root, *uid;

    memset(out, 0, sizeof(*out));
    root = threads_json_load_object(p, body, len, &problem);
    if (root == NULL) {
        return problem;
    }
    out->algorithm = threads_json_text(
        p, threads_json_member(root, "algorithm"), THREADS_ERROR_TYPE_MAX);
    if (out->algorithm == NULL) {
        return "no algorithm";
    }
    uid = threads_json_member(root, "user_id");
    out->user_id = uid != NULL ? threads_json_read_id(p, uid) : NULL;
    if (out->user_id == NULL) {
        return uid != NULL ? "user_id is not a positive integer" : "no user_id";
    }
    out->issued_at = threads_json_positive(json_object_get(root, "issued_at"));
    out->expires = threads_json_positive(json_object_get(root, "expires"));
    return NULL;
}
