/*
 * export.c: what the application sees: the login handed over as
 * ThreadsPassAs says (notes always, environment, request headers), and no
 * X-Threads-* header a client sent.
 */
#include "httpd/config.h"
#include "httpd/export.h"

#include "apr_lib.h"
#include "apr_strings.h"
#include "httpd.h"

/* What reaches the application, in both spellings. */
typedef struct {
    const char *env;    /* note and environment variable */
    const char *header; /* request header for ThreadsPassAs headers */
} threads_export_var_t;

enum {
    THREADS_VAR_TOKEN,
    THREADS_VAR_USER_ID,
    THREADS_VAR_EXPIRES,
    THREADS_VAR_TYPE,
    THREADS_VAR_SCOPE,
    THREADS_VAR_USERNAME,
    THREADS_VAR_NAME,
    THREADS_VAR_COUNT
};

static const threads_export_var_t threads_export_vars[THREADS_VAR_COUNT] = {
    {"THREADS_ACCESS_TOKEN", "X-Threads-Access-Token"},
    {"THREADS_USER_ID", "X-Threads-User-Id"},
    {"THREADS_TOKEN_EXPIRES", "X-Threads-Token-Expires"},
    {"THREADS_TOKEN_TYPE", "X-Threads-Token-Type"},
    {"THREADS_SCOPE", "X-Threads-Scope"},
    {"THREADS_USERNAME", "X-Threads-Username"},
    {"THREADS_NAME", "X-Threads-Name"},
};

/* The prefix of every header the module owns; a client may not send it. */
#define THREADS_HEADER_PREFIX     "x-threads-"
#define THREADS_HEADER_PREFIX_LEN 10

/* 1 when a header name is X-Threads-… with '-' or '_' in any case: CGI
 * maps both separators to the same variable. */
static int threads_export_is_reserved_header(const char *name)
{
    int i;

    for (i = 0; i < THREADS_HEADER_PREFIX_LEN; i++) {
        char c = (char)apr_tolower(name[i]);
        char want = THREADS_HEADER_PREFIX[i];

        if (c == '\0' || (c != want && !(want == '-' && c == '_'))) {
            return 0;
        }
    }
    return 1;
}

/* 1 for the CGI variable of such a header (HTTP_X_THREADS_…). */
static int threads_export_is_reserved_variable(const char *name)
{
    return !strncasecmp(name, "HTTP_X_THREADS_", 15);
}

/* Removes from t every entry whose name match() accepts; the removed
 * names, or NULL when there were none. Names are collected first: a
 * table must not change while it is walked. */
static apr_array_header_t *
threads_export_unset_matching(apr_pool_t *p, apr_table_t *t,
                              int (*match)(const char *name))
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && match(e[i].key)) {
            if (!doomed) {
                doomed = apr_array_make(p, 4, sizeof(const char *));
            }
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        apr_table_unset(t, APR_ARRAY_IDX(doomed, i, const char *));
    }
    return doomed;
}

/* Removes X-Threads-* from the Connection header. It names hop-by-hop
 * headers, which mod_proxy drops before the backend: a client naming the
 * module's own headers there would have them dropped, and the backend
 * would see a request without its login. */
static void threads_export_scrub_connection(request_rec *r)
{
    const char *value = apr_table_get(r->headers_in, "Connection");
    const char *rest, *kept = NULL;
    char *token;
    int dropped = 0;

    if (!value || !ap_strcasestr(value, "threads")) {
        return;
    }
    rest = value;
    /* Items come back trimmed and in lower case (names are
     * case-insensitive), NULL after the last. */
    while ((token = ap_get_list_item(r->pool, &rest)) != NULL) {
        if (!*token) {
            continue;
        }
        if (threads_export_is_reserved_header(token)) {
            dropped = 1;
            continue;
        }
        kept = kept ? apr_pstrcat(r->pool, kept, ", ", token, NULL) : token;
    }
    if (!dropped) {
        return;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  THREADS_LOGNO(00208) "removed X-Threads-* from the "
                                       "client's Connection header");
    if (kept) {
        apr_table_setn(r->headers_in, "Connection", kept);
    }
    else {
        apr_table_unset(r->headers_in, "Connection");
    }
}

/* In a subrequest also the CGI variables, which a parent outside AuthType
 * Threads (an SSI page) already put into the environment the subrequest
 * inherits. */
void threads_export_scrub(request_rec *r)
{
    apr_array_header_t *removed = threads_export_unset_matching(
        r->pool, r->headers_in, threads_export_is_reserved_header);
    int i;

    for (i = 0; removed && i < removed->nelts; i++) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      THREADS_LOGNO(00152) "removed client header %s",
                      ap_escape_logitem(
                          r->pool, APR_ARRAY_IDX(removed, i, const char *)));
    }
    threads_export_scrub_connection(r);
    if (r->main) {
        threads_export_unset_matching(r->pool, r->subprocess_env,
                                      threads_export_is_reserved_variable);
    }
}

/* A header value without CR or LF, whatever it came from. */
static const char *threads_export_header_safe(apr_pool_t *p, const char *v)
{
    char *copy, *c;

    if (!strpbrk(v, "\r\n")) {
        return v;
    }
    copy = apr_pstrdup(p, v);
    for (c = copy; *c; c++) {
        if (*c == '\r' || *c == '\n') {
            *c = ' ';
        }
    }
    return copy;
}

void threads_export_login(request_rec *r, const threads_token_t *t)
{
    const threads_dir_conf_t *dc = threads_config_dir(r);
    threads_pass_as_e pass = threads_config_pass_as(dc);
    const char *values[THREADS_VAR_COUNT];
    int i;

    values[THREADS_VAR_TOKEN] = t->access_token;
    values[THREADS_VAR_USER_ID] = t->user_id;
    values[THREADS_VAR_EXPIRES] =
        apr_psprintf(r->pool, "%" APR_INT64_T_FMT, t->expires_at);
    values[THREADS_VAR_TYPE] = threads_token_type_name(t->type);
    values[THREADS_VAR_SCOPE] = t->scope;
    values[THREADS_VAR_USERNAME] = t->username;
    values[THREADS_VAR_NAME] = t->name;

    /* Never the id in place of a username: an all-digit username could
     * equal another user's id. authn.c lets no login without its
     * username reach here under ThreadsRemoteUser username. */
    r->user = threads_config_remote_user(dc) == THREADS_REMOTE_USER_USERNAME
                  ? (char *)t->username
                  : (char *)t->user_id;
    r->ap_auth_type = (char *)THREADS_AUTH_TYPE;
    for (i = 0; i < THREADS_VAR_COUNT; i++) {
        if (!values[i]) {
            continue;
        }
        apr_table_setn(r->notes, threads_export_vars[i].env, values[i]);
        if (pass & THREADS_PASS_ENV) {
            apr_table_setn(r->subprocess_env, threads_export_vars[i].env,
                           values[i]);
        }
        if (pass & THREADS_PASS_HEADERS) {
            apr_table_setn(r->headers_in, threads_export_vars[i].header,
                           threads_export_header_safe(r->pool, values[i]));
        }
    }
}
