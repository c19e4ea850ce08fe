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

/* What Threads said when it refused (REJECTED answers). */
typedef struct {
    const char *type;       /* e.g. "OAuthException", or NULL */
    const char *message;    /* Meta's text (escape it), or NULL */
    apr_int64_t code;       /* Meta's code (190: the token is dead), or 0 */
    apr_int64_t subcode;    /* error_subcode, or 0 */
    const char *fbtrace_id; /* Meta's trace id (visible ASCII), or NULL */
} threads_json_error_t;

/* The Graph error code of a token that is dead (expired, revoked, the app
 * removed): the session it serves counts as logged out. */
#define THREADS_GRAPH_TOKEN_DEAD 190

/* A token answer: code exchange, long-lived exchange or refresh. */
typedef struct {
    threads_reply_kind_e kind;
    const char *access_token;   /* printable ASCII, 1..THREADS_TOKEN_MAX */
    const char *user_id;        /* digits; NULL when absent and not needed */
    apr_int64_t expires_in;     /* seconds; -1 when absent */
    threads_json_error_t error; /* REJECTED: what Threads said */
    const char *problem;        /* INVALID: what was wrong, safe to log */
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
    threads_json_error_t error; /* REJECTED: what Threads said */
    const char *problem;
} threads_profile_reply_t;

void threads_json_parse_profile(apr_pool_t *p, const char *body, apr_size_t len,
                                threads_profile_reply_t *out);

/* The payload of a signed_request (Meta's Deauthorize and Data Deletion
 * callbacks). */
typedef struct {
    const char *algorithm; /* as sent, e.g. "HMAC-SHA256" */
    const char *user_id;   /* digits */
    apr_int64_t issued_at; /* Unix seconds; 0 when absent */
    apr_int64_t expires;   /* Unix seconds; 0 when absent */
} threads_signed_payload_t;

/* Reads a signed_request payload: an object with "algorithm" (a string)
 * and "user_id" (a string of digits or a positive integer); "issued_at"
 * and "expires" are read when they are integers; other members are
 * ignored. NULL, or a problem text safe to log. */
const char *threads_json_parse_signed_payload(apr_pool_t *p, const char *body,
                                              apr_size_t len,
                                              threads_signed_payload_t *out);

#endif /* THREADS_CORE_JSON_H */
