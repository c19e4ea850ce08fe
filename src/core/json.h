/*
 * json.h: Threads' JSON answers, read strictly (jansson stays in json.c).
 */
#ifndef THREADS_CORE_JSON_H
#define THREADS_CORE_JSON_H

#include "apr.h"
#include "apr_pools.h"

typedef enum {
    THREADS_REPLY_OK = 0,
    THREADS_REPLY_REJECTED, /* Threads said no: an error object */
    THREADS_REPLY_INVALID   /* not JSON, or a field missing or malformed */
} threads_reply_kind_e;

/* A token answer: code exchange, long-lived exchange or refresh. */
typedef struct {
    threads_reply_kind_e kind;
    const char *access_token;  /* printable ASCII, 1..THREADS_TOKEN_MAX */
    const char *user_id;       /* digits; NULL when absent and not needed */
    apr_int64_t expires_in;    /* seconds; -1 when absent */
    const char *error_type;    /* REJECTED: e.g. "OAuthException", or NULL */
    const char *error_message; /* REJECTED: Meta's text (escape it), or NULL */
    apr_int64_t error_code;    /* REJECTED: Meta's code, or 0 */
    const char *problem;       /* INVALID: what was wrong, safe to log */
} threads_token_reply_t;

/* Parses a token answer. need_user_id: the code exchange must name the
 * user (number of any size that fits 64 bits, or a string of digits);
 * user_id 0, negative, fractional or too long is INVALID. An object with
 * "error_type"/"error_message" or an "error" member (string or Graph-style
 * object) is REJECTED. */
void threads_json_parse_token_reply(apr_pool_t *p, const char *body,
                                    apr_size_t len, int need_user_id,
                                    threads_token_reply_t *out);

/* The /v1.0/me answer. */
typedef struct {
    threads_reply_kind_e kind;
    const char *id;
    const char *username;
    const char *name;
    const char *error_message; /* REJECTED, or NULL */
    const char *problem;
} threads_profile_reply_t;

void threads_json_parse_profile(apr_pool_t *p, const char *body, apr_size_t len,
                                threads_profile_reply_t *out);

#endif /* THREADS_CORE_JSON_H */
