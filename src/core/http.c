/*
 * http.c: outgoing calls to Threads (libcurl), the only file that includes
 * libcurl.
 *
 * Each process keeps a small stack of easy handles guarded by a mutex: a
 * handle that finished a transfer cleanly is reset and pushed back, which
 * keeps its live connection and TLS session to the Graph host, so later
 * logins skip the handshake. A handle never serves two threads at once.
 * Every call gets the same hardened options: time limits, http(s) only,
 * no redirects, verified TLS, only the configured proxy, a capped body.
 */
#include <string.h>

#include <curl/curl.h>

#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "core/bounds.h"
#include "core/http.h"
#include "core/text.h"

/* Idle handles kept per process; more concurrent calls than this get a
 * handle of their own that is dropped afterwards. */
#define THREADS_HTTP_STACK_MAX 16
/* Used when the options give no User-Agent or no time limit. */
#define THREADS_HTTP_DEFAULT_AGENT   "mod_threads_oauth"
#define THREADS_HTTP_DEFAULT_TIMEOUT apr_time_from_sec(10)
/* First allocation for a body; it doubles up to THREADS_BODY_MAX. */
#define THREADS_HTTP_BODY_CHUNK 16384

struct threads_http_pool_t {
#if APR_HAS_THREADS
    apr_thread_mutex_t *mutex;
#endif
    CURL *handles[THREADS_HTTP_STACK_MAX];
    int count;
};

/* The body of one answer as it arrives. */
typedef struct {
    apr_pool_t *p;
    char *data;
    apr_size_t len;
    apr_size_t cap;
    int too_large;
} threads_http_body_t;

/* Sets one option, returning its error from the enclosing function: a call
 * must never go out with part of the hardening missing. */
#define THREADS_HTTP_SET(curl, option, value)                                  \
    do {                                                                       \
        CURLcode set_rc_ = curl_easy_setopt((curl), (option), (value));        \
        if (set_rc_ != CURLE_OK) {                                             \
            return set_rc_;                                                    \
        }                                                                      \
    } while (0)

/* The matching curl_global_cleanup, as a cleanup of the pool given to
 * threads_http_global_init. */
static apr_status_t threads_http_global_cleanup(void *data)
{
    (void)data;
    curl_global_cleanup();
    return APR_SUCCESS;
}

/* The pool must die before the code of this file is unmapped: httpd's
 * configuration pool does (its cleanups run last in, first out, and the
 * module was loaded before post_config registers this), the process pool
 * does not (httpd destroys it after unloading every module, so a cleanup
 * there would call into unmapped code). Children never run the
 * configuration pool's cleanups; the parent, single-threaded, does at
 * each restart and at stop, and the next post_config initialises again. */
apr_status_t threads_http_global_init(apr_pool_t *pool)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(pool, NULL, threads_http_global_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

/* Pool cleanup that frees the idle handles of this process. Not run in
 * forked children (apr_pool_cleanup_null): they must not close the
 * parent's connections. */
static apr_status_t threads_http_pool_cleanup(void *data)
{
    threads_http_pool_t *pool = data;

    while (pool->count > 0) {
        curl_easy_cleanup(pool->handles[--pool->count]);
    }
    return APR_SUCCESS;
}

/* Makes the handle stack of this process, emptied when p goes. */
apr_status_t threads_http_pool_create(apr_pool_t *p, threads_http_pool_t **pool)
{
    threads_http_pool_t *hp = apr_pcalloc(p, sizeof(*hp));

#if APR_HAS_THREADS
    apr_status_t rv =
        apr_thread_mutex_create(&hp->mutex, APR_THREAD_MUTEX_DEFAULT, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
#endif
    /* Registered after the mutex, so it runs before the mutex goes. */
    apr_pool_cleanup_register(p, hp, threads_http_pool_cleanup,
                              apr_pool_cleanup_null);
    *pool = hp;
    return APR_SUCCESS;
}

/* Takes an idle handle from the stack, or makes a new one. NULL only when
 * libcurl cannot allocate. */
static CURL *threads_http_acquire(threads_http_pool_t *pool)
{
    CURL *curl = NULL;

    if (pool != NULL) {
#if APR_HAS_THREADS
        if (apr_thread_mutex_lock(pool->mutex) == APR_SUCCESS) {
            if (pool->count > 0) {
                curl = pool->handles[--pool->count];
            }
            apr_thread_mutex_unlock(pool->mutex);
        }
#else
        if (pool->count > 0) {
            curl = pool->handles[--pool->count];
        }
#endif
    }
    return curl != NULL ? curl : curl_easy_init();
}

/* Gives a handle back after a call. Only a clean transfer leaves the
 * connection in a known state, so any other handle is closed; a reset
 * also drops every pointer the options held into this call's memory. */
static void threads_http_release(threads_http_pool_t *pool, CURL *curl,
                                 int reusable)
{
    if (reusable && pool != NULL) {
        curl_easy_reset(curl);
#if APR_HAS_THREADS
        if (apr_thread_mutex_lock(pool->mutex) == APR_SUCCESS) {
            if (pool->count < THREADS_HTTP_STACK_MAX) {
                pool->handles[pool->count++] = curl;
                curl = NULL;
            }
            apr_thread_mutex_unlock(pool->mutex);
        }
#else
        if (pool->count < THREADS_HTTP_STACK_MAX) {
            pool->handles[pool->count++] = curl;
            curl = NULL;
        }
#endif
    }
    if (curl != NULL) {
        curl_easy_cleanup(curl);
    }
}

/* libcurl write callback: appends to the body in the call's pool and stops
 * the transfer once it would pass THREADS_BODY_MAX. */
static size_t threads_http_write(char *data, size_t size, size_t nmemb,
                                 void *ctx)
{
    threads_http_body_t *body = ctx;
    apr_size_t n = size * nmemb;

    if (n > THREADS_BODY_MAX - body->len) {
        body->too_large = 1;
        return 0;
    }
    if (body->len + n > body->cap) {
        apr_size_t cap = body->cap ? body->cap : THREADS_HTTP_BODY_CHUNK;
        char *grown;

        while (cap < body->len + n) {
            cap *= 2;
        }
        if (cap > THREADS_BODY_MAX) {
            cap = THREADS_BODY_MAX;
        }
        /* One spare byte for the terminating NUL. */
        grown = apr_palloc(body->p, cap + 1);
        if (body->len > 0) {
            memcpy(grown, body->data, body->len);
        }
        body->data = grown;
        body->cap = cap;
    }
    memcpy(body->data + body->len, data, n);
    body->len += n;
    return n;
}

/* Appends one header line, keeping the list intact when that fails. */
static int threads_http_add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*list, line);

    if (grown == NULL) {
        return 0;
    }
    *list = grown;
    return 1;
}

/* 1 when the bearer token can go into a header: printable ASCII only, so
 * it can never end the header line. */
static int threads_http_bearer_ok(const char *bearer)
{
    return threads_text_all_visible(bearer, strlen(bearer));
}

/* Restricts the schemes of the call and of any redirect. */
static CURLcode threads_http_set_protocols(CURL *curl)
{
#if LIBCURL_VERSION_NUM >= 0x075500
    THREADS_HTTP_SET(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Redirects are never followed; the list says so too where libcurl
     * accepts an empty one (7.88 refuses it, so fall back to https). */
    if (curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "") != CURLE_OK) {
        THREADS_HTTP_SET(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    }
#else
    THREADS_HTTP_SET(curl, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    THREADS_HTTP_SET(curl, CURLOPT_REDIR_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
    return CURLE_OK;
}

/* Applies the one option set every call uses. */
static CURLcode threads_http_setup(CURL *curl,
                                   const threads_http_options_t *opts,
                                   const threads_http_request_t *req,
                                   struct curl_slist *headers,
                                   threads_http_body_t *body, char *errbuf)
{
    apr_interval_time_t timeout =
        opts->timeout > 0 ? opts->timeout : THREADS_HTTP_DEFAULT_TIMEOUT;
    /* Rounded up, so a sub-millisecond limit does not become "none". */
    long ms = (long)((timeout + 999) / 1000);
    long verify = opts->ssl_verify ? 1L : 0L;
    CURLcode rc;

    THREADS_HTTP_SET(curl, CURLOPT_ERRORBUFFER, errbuf);
    THREADS_HTTP_SET(curl, CURLOPT_NOSIGNAL, 1L);
    THREADS_HTTP_SET(curl, CURLOPT_URL, req->url);
    THREADS_HTTP_SET(curl, CURLOPT_TIMEOUT_MS, ms);
    THREADS_HTTP_SET(curl, CURLOPT_CONNECTTIMEOUT_MS, ms);
    rc = threads_http_set_protocols(curl);
    if (rc != CURLE_OK) {
        return rc;
    }
    THREADS_HTTP_SET(curl, CURLOPT_FOLLOWLOCATION, 0L);
    THREADS_HTTP_SET(curl, CURLOPT_MAXREDIRS, 0L);

    THREADS_HTTP_SET(curl, CURLOPT_SSL_VERIFYPEER, verify);
    THREADS_HTTP_SET(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    THREADS_HTTP_SET(curl, CURLOPT_PROXY_SSL_VERIFYPEER, verify);
    THREADS_HTTP_SET(curl, CURLOPT_PROXY_SSL_VERIFYHOST, verify ? 2L : 0L);
    THREADS_HTTP_SET(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (opts->ca_file != NULL) {
        THREADS_HTTP_SET(curl, CURLOPT_CAINFO, opts->ca_file);
        THREADS_HTTP_SET(curl, CURLOPT_PROXY_CAINFO, opts->ca_file);
    }
    /* An empty proxy makes libcurl ignore http_proxy and friends in the
     * environment, and an empty no-proxy list ignores no_proxy: only the
     * configured proxy is ever used, and always. */
    THREADS_HTTP_SET(curl, CURLOPT_PROXY,
                     opts->proxy != NULL ? opts->proxy : "");
    THREADS_HTTP_SET(curl, CURLOPT_NOPROXY, "");

    THREADS_HTTP_SET(curl, CURLOPT_USERAGENT,
                     opts->user_agent != NULL ? opts->user_agent
                                              : THREADS_HTTP_DEFAULT_AGENT);
    THREADS_HTTP_SET(curl, CURLOPT_HTTPHEADER, headers);
    THREADS_HTTP_SET(curl, CURLOPT_WRITEFUNCTION, threads_http_write);
    THREADS_HTTP_SET(curl, CURLOPT_WRITEDATA, body);
    /* Refuses early when Content-Length announces too much; the write
     * callback catches chunked and lying answers. */
    THREADS_HTTP_SET(curl, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)THREADS_BODY_MAX);

    if (strcmp(req->method, "POST") == 0) {
        const char *form = req->form != NULL ? req->form : "";

        THREADS_HTTP_SET(curl, CURLOPT_POST, 1L);
        THREADS_HTTP_SET(curl, CURLOPT_POSTFIELDS, form);
        THREADS_HTTP_SET(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)strlen(form));
    }
    else {
        THREADS_HTTP_SET(curl, CURLOPT_HTTPGET, 1L);
    }
    return CURLE_OK;
}

/* What a libcurl result means for the caller. */
static threads_http_outcome_e threads_http_outcome(CURLcode rc, int too_large)
{
    switch (rc) {
        case CURLE_OK:
            return THREADS_HTTP_OK;
        case CURLE_OPERATION_TIMEDOUT:
            return THREADS_HTTP_TIMEOUT;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
#if LIBCURL_VERSION_NUM >= 0x074900
        case CURLE_PROXY:
#endif
            return THREADS_HTTP_UNREACHABLE;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_USE_SSL_FAILED:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
#if LIBCURL_VERSION_NUM >= 0x074900
        case CURLE_SSL_CLIENTCERT:
#endif
            return THREADS_HTTP_TLS;
        case CURLE_WRITE_ERROR:
            return too_large ? THREADS_HTTP_TOO_LARGE : THREADS_HTTP_FAILED;
        case CURLE_FILESIZE_EXCEEDED:
            return THREADS_HTTP_TOO_LARGE;
        default:
            return THREADS_HTTP_FAILED;
    }
}

/* 1 when text shows any value of the URL's query (each may be a secret,
 * a code or a token) or looks like a piece of a query. */
static int threads_http_text_has_query(const char *text, const char *url)
{
    const char *q = strchr(url, '?');

    if (strpbrk(text, "?&=") != NULL) {
        return 1;
    }
    while (q != NULL) {
        const char *value = strchr(q + 1, '=');
        const char *next = strchr(q + 1, '&');
        apr_size_t len;

        if (value != NULL && (next == NULL || value < next)) {
            value++;
        }
        else {
            value = q + 1;
        }
        len = next != NULL ? (apr_size_t)(next - value) : strlen(value);
        /* Short values ("code", "1") are not worth hiding and would match
         * ordinary words. */
        if (len >= 4) {
            const char *hit;

            for (hit = text; *hit != '\0'; hit++) {
                if (strncmp(hit, value, len) == 0) {
                    return 1;
                }
            }
        }
        q = next;
    }
    return 0;
}

/* libcurl's description of a failure, safe to log: without the URL's
 * query and without control characters. */
static const char *threads_http_error_text(apr_pool_t *p, CURLcode rc,
                                           const char *errbuf, const char *url)
{
    const char *text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    char *copy, *c;

    if (threads_http_text_has_query(text, url)) {
        text = curl_easy_strerror(rc);
    }
    copy = apr_pstrdup(p, text);
    for (c = copy; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
            *c = ' ';
        }
    }
    /* The error buffer may end with a newline. */
    while (c > copy && c[-1] == ' ') {
        *--c = '\0';
    }
    return copy;
}

/* Why a request cannot be sent at all, or NULL. */
static const char *
threads_http_request_problem(const threads_http_request_t *req)
{
    if (req == NULL || req->url == NULL || req->method == NULL) {
        return "incomplete request";
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0) {
        return "unsupported method";
    }
    if (req->bearer != NULL && !threads_http_bearer_ok(req->bearer)) {
        return "access token unfit for a header";
    }
    return NULL;
}

/* Makes one call and reports how it went; never leaves resp unset. */
void threads_http_perform(threads_http_pool_t *pool, apr_pool_t *p,
                          const threads_http_options_t *opts,
                          const threads_http_request_t *req,
                          threads_http_response_t *resp)
{
    static const threads_http_options_t defaults = {0, 1, NULL, NULL, NULL};
    char errbuf[CURL_ERROR_SIZE];
    threads_http_body_t body;
    struct curl_slist *headers = NULL;
    CURL *curl = NULL;
    CURLcode rc;
    apr_time_t start = apr_time_now();
    const char *content_type = NULL;
    long status = 0;

    memset(resp, 0, sizeof(*resp));
    resp->outcome = THREADS_HTTP_FAILED;
    resp->body = "";
    memset(&body, 0, sizeof(body));
    body.p = p;
    errbuf[0] = '\0';
    if (opts == NULL) {
        opts = &defaults;
    }

    resp->error = threads_http_request_problem(req);
    if (resp->error != NULL) {
        goto end;
    }
    if (!threads_http_add_header(&headers, "Accept: application/json") ||
        !threads_http_add_header(&headers, "Expect:") ||
        (req->bearer != NULL &&
         !threads_http_add_header(&headers,
                                  apr_pstrcat(p, "Authorization: Bearer ",
                                              req->bearer, (char *)NULL)))) {
        resp->error = "out of memory for the request headers";
        goto end;
    }
    curl = threads_http_acquire(pool);
    if (curl == NULL) {
        resp->error = "cannot create a libcurl handle";
        goto end;
    }

    rc = threads_http_setup(curl, opts, req, headers, &body, errbuf);
    if (rc == CURLE_OK) {
        rc = curl_easy_perform(curl);
    }
    else {
        /* Nothing was sent: the refused option's own error says it
         * better than whatever an earlier call left in the buffer. */
        errbuf[0] = '\0';
    }
    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK) {
        resp->status = status;
    }
    /* The handle owns this string until its next reset: copy it now. */
    if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &content_type) ==
            CURLE_OK &&
        content_type != NULL) {
        resp->content_type = apr_pstrdup(p, content_type);
    }
    resp->outcome = threads_http_outcome(rc, body.too_large);
    if (resp->outcome == THREADS_HTTP_OK) {
        if (body.data != NULL) {
            body.data[body.len] = '\0';
            resp->body = body.data;
            resp->body_len = body.len;
        }
    }
    else if (resp->outcome == THREADS_HTTP_TOO_LARGE) {
        resp->error =
            apr_psprintf(p, "answer body over %d bytes", THREADS_BODY_MAX);
    }
    else {
        resp->error = threads_http_error_text(p, rc, errbuf, req->url);
    }
    threads_http_release(pool, curl, rc == CURLE_OK);

end:
    curl_slist_free_all(headers);
    resp->elapsed = apr_time_now() - start;
}

/* A stable lower-case name of an outcome, for logs and counters. */
const char *threads_http_outcome_name(threads_http_outcome_e outcome)
{
    switch (outcome) {
        case THREADS_HTTP_OK:
            return "ok";
        case THREADS_HTTP_TIMEOUT:
            return "timeout";
        case THREADS_HTTP_UNREACHABLE:
            return "unreachable";
        case THREADS_HTTP_TLS:
            return "tls";
        case THREADS_HTTP_TOO_LARGE:
            return "too_large";
        case THREADS_HTTP_FAILED:
            return "failed";
    }
    return "unknown";
}
