/*
 * threads_core.h: the protocol side of mod_threads_oauth.
 *
 * Everything declared here uses only APR (plus OpenSSL, libcurl or jansson
 * inside its own .c file) and never httpd, so the unit tests in t/unit can
 * link these objects as they are. Nothing here logs: functions return a
 * status and, where useful, a short problem text that is safe to log (it
 * never contains a secret, a code or a token).
 */
#ifndef THREADS_CORE_H
#define THREADS_CORE_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

/* ------------------------------------------------------------------ */
/* Limits                                                              */
/* ------------------------------------------------------------------ */

/* Largest callback query parameter value accepted (bytes, decoded). */
#define THREADS_PARAM_MAX 4096
/* Largest body read from Threads. */
#define THREADS_BODY_MAX (1024 * 1024)
/* Longest original URL kept in a pending login; longer ones return to /. */
#define THREADS_RETURN_URL_MAX 2048
/* Pending logins kept per session (browser tabs). */
#define THREADS_PENDING_MAX 8
/* Random bytes in a state value: 192 bits, 32 base64url characters. */
#define THREADS_STATE_BYTES 24
/* Longest access token accepted from Threads (it has to fit a cookie). */
#define THREADS_TOKEN_MAX 2048
/* Longest user id accepted (decimal digits). */
#define THREADS_USER_ID_MAX 32
/* Token lifetimes when Threads gives no expires_in: 1 hour, 60 days. */
#define THREADS_SHORT_TOKEN_LIFETIME 3600
#define THREADS_LONG_TOKEN_LIFETIME  (60 * 86400)

/* ------------------------------------------------------------------ */
/* threads_util.c: encoding, escaping, query strings, URLs, scopes     */
/* ------------------------------------------------------------------ */

/* Percent-encodes everything but RFC 3986 unreserved characters. */
char *threads_url_encode(apr_pool_t *p, const char *s);

/* Decodes %XX and '+' (as space) of len bytes of s. Returns APR_SUCCESS, or
 * APR_EINVAL for a bad escape or an encoded NUL. */
apr_status_t threads_url_decode(apr_pool_t *p, const char *s, apr_size_t len,
                                char **out);

/* Escapes & < > " ' for HTML text and attribute values. NULL gives "". */
char *threads_html_escape(apr_pool_t *p, const char *s);

/* A JSON string literal (with the quotes) for s; NULL gives null. Escapes
 * quote, backslash, control characters and '<' '>' '&' (as \u00XX). */
char *threads_json_quote(apr_pool_t *p, const char *s);

/* Unpadded base64url (RFC 4648 section 5). */
char *threads_base64url_encode(apr_pool_t *p, const unsigned char *data,
                               apr_size_t len);
/* Strict decode: only A-Za-z0-9-_ and no padding. APR_EINVAL otherwise. */
apr_status_t threads_base64url_decode(apr_pool_t *p, const char *s,
                                      unsigned char **out, apr_size_t *len);

/* 1 when a and b are equal. The time taken depends only on the lengths. */
int threads_const_eq(const char *a, const char *b);

typedef enum {
    THREADS_QUERY_OK = 0,
    THREADS_QUERY_TOO_LONG,  /* a value is over max_value bytes */
    THREADS_QUERY_DUPLICATE, /* a name appears twice */
    THREADS_QUERY_MALFORMED  /* bad %-escape, encoded NUL, empty name */
} threads_query_status_e;

/* Parses an application/x-www-form-urlencoded query (r->args; NULL or ""
 * gives an empty table) into a table of decoded name -> value. A name
 * without '=' has the value "". On failure *bad_name (if not NULL) names
 * the offending parameter (decoded, may be truncated to 64 bytes). */
threads_query_status_e threads_query_parse(apr_pool_t *p, const char *query,
                                           apr_size_t max_value,
                                           apr_table_t **out,
                                           const char **bad_name);

/* Builds name=value&... with threads_url_encode on both sides, from a
 * NULL-terminated list of name, value pairs. A NULL value skips the pair. */
char *threads_form_encode(apr_pool_t *p, const char *const *pairs);

/* Appends ?name=value&... (or &... when base has a '?') to base. */
char *threads_url_with_query(apr_pool_t *p, const char *base,
                             const char *const *pairs);

/* 1 when url is a local path the module may redirect to: it starts with
 * exactly one '/' (not "//" or "/\"), and holds only printable ASCII
 * without backslash (no control characters, spaces or bytes >= 0x80). */
int threads_url_is_local(const char *url);

/* Meta appends "#_" to the redirect; a code ending in "#_" loses it. */
const char *threads_code_strip_fragment(apr_pool_t *p, const char *code);

/* An ordered set of permission names (const char * elements). */
typedef apr_array_header_t threads_scope_t;

/* Parses a comma- and/or space-separated list: names in first-given order,
 * duplicates dropped. Returns NULL and sets *error when a name has a
 * character outside [A-Za-z0-9_.] or the list is empty. */
threads_scope_t *threads_scope_parse(apr_pool_t *p, const char *list,
                                     const char **error);
/* Comma-joined. */
char *threads_scope_join(apr_pool_t *p, const threads_scope_t *scope);
int threads_scope_has(const threads_scope_t *scope, const char *perm);
/* 1 when every permission of want is in have. */
int threads_scope_covers(const threads_scope_t *have,
                         const threads_scope_t *want);
/* a followed by what b adds, in order. */
threads_scope_t *threads_scope_union(apr_pool_t *p, const threads_scope_t *a,
                                     const threads_scope_t *b);
/* 1 for the permissions Meta's guide lists. */
int threads_scope_is_known(const char *perm);

/* ------------------------------------------------------------------ */
/* threads_seal.c: keys and AES-256-GCM sealed values (OpenSSL)        */
/* ------------------------------------------------------------------ */

#define THREADS_KEY_LEN 32

typedef struct {
    unsigned char bytes[THREADS_KEY_LEN];
} threads_key_t;

/* HKDF-SHA256 of the secret (salt and info fixed by the module). */
apr_status_t threads_key_derive(const char *secret, apr_size_t len,
                                threads_key_t *key);

/* Seals plaintext under key with a fresh random 96-bit nonce; label (the
 * session entry's name) is bound as associated data, so a value cannot be
 * moved to another entry. Result: base64url of version byte, nonce,
 * ciphertext and tag. */
apr_status_t threads_seal(apr_pool_t *p, const threads_key_t *key,
                          const char *label, const char *plaintext,
                          apr_size_t len, char **sealed);

/* Opens a sealed value with the first of keys[0..nkeys) that fits.
 * APR_EINVAL for anything that does not open; the result is
 * NUL-terminated. */
apr_status_t threads_unseal(apr_pool_t *p, const threads_key_t *const *keys,
                            int nkeys, const char *label, const char *sealed,
                            char **plaintext, apr_size_t *len);

/* Characters a sealed value of a plaintext of len bytes takes. */
apr_size_t threads_sealed_length(apr_size_t len);

/* ------------------------------------------------------------------ */
/* threads_record.c: what the module keeps in the session              */
/* ------------------------------------------------------------------ */

typedef enum {
    THREADS_TOKEN_SHORT = 0,
    THREADS_TOKEN_LONG = 1
} threads_token_type_e;

/* The logged-in state, sealed as one session value. */
typedef struct {
    const char *access_token;
    const char *user_id;       /* decimal digits */
    apr_int64_t expires_at;    /* Unix seconds */
    apr_int64_t issued_at;     /* when this token was obtained (refresh) */
    apr_int64_t login_at;      /* when the user logged in (revocation) */
    apr_int64_t refresh_after; /* no refresh try before this; 0: any time */
    threads_token_type_e type;
    const char *scope;    /* comma-joined, as the login asked */
    const char *username; /* NULL when unknown */
    const char *name;     /* NULL when unknown */
} threads_token_t;

/* "short" or "long". */
const char *threads_token_type_name(threads_token_type_e type);

/* Versioned text form; every field is percent-encoded. */
char *threads_token_encode(apr_pool_t *p, const threads_token_t *t);
/* APR_EINVAL unless the text is a complete, valid record (token and user
 * id present and well formed, times positive). */
apr_status_t threads_token_decode(apr_pool_t *p, const char *s,
                                  threads_token_t *t);

/* A started login waiting for its callback. */
typedef struct {
    const char *state;      /* 32 base64url characters */
    apr_int64_t created;    /* Unix seconds */
    const char *scope;      /* comma-joined, what was asked for */
    const char *return_url; /* local URL to go back to */
} threads_pending_t;

/* Pending logins are an apr_array_header_t of threads_pending_t, oldest
 * first. */
char *threads_pending_encode(apr_pool_t *p, const apr_array_header_t *list);
/* Never NULL: garbage gives an empty list, bad entries are skipped. */
apr_array_header_t *threads_pending_decode(apr_pool_t *p, const char *s);
/* Finds state (comparing against every entry in constant time), removes it
 * from list and copies it to *out. Returns 1 when found. */
int threads_pending_take(apr_array_header_t *list, const char *state,
                         threads_pending_t *out);
/* Drops entries older than timeout seconds or created in the future, then
 * the oldest beyond THREADS_PENDING_MAX. */
void threads_pending_prune(apr_array_header_t *list, apr_int64_t now,
                           apr_int64_t timeout);
/* A new state: THREADS_STATE_BYTES from the system's CSPRNG, base64url. */
apr_status_t threads_state_generate(apr_pool_t *p, char **state);

/* ------------------------------------------------------------------ */
/* threads_json.c: reading Threads' answers, writing ours (jansson)    */
/* ------------------------------------------------------------------ */

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

/* Puts a token answer into t: the token, its type, issued now, and its
 * expiry from expires_in or, without one, the type's usual lifetime. A
 * retry time of a failed refresh is cleared. (threads_record.c) */
void threads_token_apply(threads_token_t *t, const threads_token_reply_t *reply,
                         threads_token_type_e type, apr_int64_t now);

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

/* ------------------------------------------------------------------ */
/* threads_http.c: outgoing calls to Threads (libcurl)                 */
/* ------------------------------------------------------------------ */

/* How every call is made; from the server's configuration. */
typedef struct {
    apr_interval_time_t timeout; /* total, connect included */
    int ssl_verify;
    const char *ca_file; /* NULL: system CAs */
    const char *proxy;   /* NULL: none (environment ignored) */
    const char *user_agent;
} threads_http_options_t;

/* One call. */
typedef struct {
    const char *method; /* "GET" or "POST" */
    const char *url;    /* may carry secrets: never logged */
    const char *form;   /* POST body, x-www-form-urlencoded */
    const char *bearer; /* Authorization: Bearer <bearer>, or NULL */
} threads_http_request_t;

typedef enum {
    THREADS_HTTP_OK = 0,      /* an HTTP answer arrived (any status) */
    THREADS_HTTP_TIMEOUT,     /* over options->timeout */
    THREADS_HTTP_UNREACHABLE, /* DNS, refused, reset, proxy */
    THREADS_HTTP_TLS,         /* handshake, certificate, host name */
    THREADS_HTTP_TOO_LARGE,   /* body over THREADS_BODY_MAX */
    THREADS_HTTP_FAILED       /* anything else */
} threads_http_outcome_e;

typedef struct {
    threads_http_outcome_e outcome;
    long status;              /* HTTP status when outcome is OK */
    const char *content_type; /* may be NULL */
    const char *body;         /* NUL-terminated, body_len bytes */
    apr_size_t body_len;
    const char *error; /* libcurl's text; no URL query, no secret */
    apr_interval_time_t elapsed;
} threads_http_response_t;

/* Per-process pool of reusable easy handles (keep-alive, TLS sessions). */
typedef struct threads_http_pool_t threads_http_pool_t;

/* curl_global_init once per process; cleanup registered on process_pool. */
apr_status_t threads_http_global_init(apr_pool_t *process_pool);
/* A handle pool for this process (call in child_init). */
apr_status_t threads_http_pool_create(apr_pool_t *p,
                                      threads_http_pool_t **pool);
/* Performs one call; never fails without filling resp. Thread-safe. */
void threads_http_perform(threads_http_pool_t *pool, apr_pool_t *p,
                          const threads_http_options_t *opts,
                          const threads_http_request_t *req,
                          threads_http_response_t *resp);
/* "timeout", "unreachable", ... for logs and counters. */
const char *threads_http_outcome_name(threads_http_outcome_e outcome);

#endif /* THREADS_CORE_H */
