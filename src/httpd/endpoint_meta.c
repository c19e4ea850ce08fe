/*
 * endpoint_meta.c: Meta's callbacks to the callback path: the App
 * Dashboard's "Deauthorize callback URL" (POST ?deauthorize) and "Data
 * Deletion Requests URL" (POST ?delete), each with a signed_request form
 * field, and the status page of a deletion (GET ?deletion=<code>).
 *
 * Both revoke the user: from then on no session of theirs from before
 * counts, on every server sharing ThreadsRevocationCache. The module keeps
 * no other data of a user than the browser's cookie, so the deletion is
 * done once the revocation is recorded. The confirmation code is sealed
 * under the server's key: its status page needs no store to tell a real
 * code from an invented one.
 */
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/endpoint.h"
#include "httpd/keys.h"
#include "httpd/page.h"
#include "httpd/revoke.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_time.h"

#include "core/escape.h"
#include "core/query.h"
#include "core/signed.h"
#include "core/text.h"

/* The largest form body taken from Meta. */
#define THREADS_META_BODY_MAX (64 * 1024)
/* The label of sealed confirmation codes. */
#define THREADS_META_DELETION_LABEL "threads.deletion"

/* A JSON answer to Meta. */
static int threads_meta_json(request_rec *r, int status, const char *body)
{
    return threads_page_send(r, status, "application/json",
                             apr_pstrcat(r->pool, body, "\n", NULL));
}

/* The 400 answer: the request changes nothing. */
static int threads_meta_refused(request_rec *r, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                  THREADS_LOGNO(00113) "callback from Meta refused: %s", why);
    return threads_meta_json(r, HTTP_BAD_REQUEST,
                             "{\"error\":\"invalid_signed_request\"}");
}

/* The 503 answer: the store could not be written, so nothing is claimed;
 * Meta calls again. */
static int threads_meta_unavailable(request_rec *r)
{
    apr_table_setn(r->err_headers_out, "Retry-After", "60");
    return threads_meta_json(r, HTTP_SERVICE_UNAVAILABLE,
                             "{\"error\":\"temporarily_unavailable\"}");
}

/* Reads the form body into *form (at most THREADS_META_BODY_MAX bytes).
 * NULL, or why it is refused. */
static const char *threads_meta_read_form(request_rec *r, apr_table_t **form)
{
    const char *type = apr_table_get(r->headers_in, "Content-Type");
    const char *length = apr_table_get(r->headers_in, "Content-Length");
    char *body = apr_palloc(r->pool, THREADS_META_BODY_MAX + 1);
    apr_size_t len = 0;
    long n;

    if (!type ||
        strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0) {
        return "not a form (application/x-www-form-urlencoded)";
    }
    if (length && apr_atoi64(length) > THREADS_META_BODY_MAX) {
        return "body over 64 KiB";
    }
    if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != OK) {
        return "the body cannot be read";
    }
    if (ap_should_client_block(r)) {
        while ((n = ap_get_client_block(r, body + len,
                                        THREADS_META_BODY_MAX + 1 - len)) > 0) {
            len += (apr_size_t)n;
            if (len > THREADS_META_BODY_MAX) {
                return "body over 64 KiB";
            }
        }
        if (n < 0) {
            return "the body cannot be read";
        }
    }
    body[len] = '\0';
    if (memchr(body, '\0', len) ||
        threads_query_parse(r->pool, body, THREADS_SIGNED_REQUEST_MAX, form,
                            NULL) != THREADS_QUERY_OK) {
        return "a malformed form";
    }
    return NULL;
}

/* Reads and verifies the signed_request of the form body: the user, or
 * NULL with the 400 answer in *status. */
static const char *threads_meta_user(request_rec *r, int *status)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    threads_signed_payload_t payload;
    apr_table_t *form = NULL;
    const char *why = threads_meta_read_form(r, &form);

    if (!why && threads_signed_request_verify(
                    r->pool, apr_table_get(form, "signed_request"),
                    sc->app_secret, &payload, &why) == APR_SUCCESS) {
        return payload.user_id;
    }
    *status = threads_meta_refused(r, why);
    return NULL;
}

/* Revokes user; APR_SUCCESS also without a store (nothing to end then). */
static apr_status_t threads_meta_revoke(request_rec *r, const char *user,
                                        const char *what)
{
    apr_status_t rv = threads_revoke_user(r, user);

    if (rv == APR_ENOTIMPL) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      THREADS_LOGNO(00114) "%s of user %s: without "
                                           "ThreadsRevocationCache their "
                                           "existing sessions last until "
                                           "their tokens expire",
                      what, user);
        return APR_SUCCESS;
    }
    if (rv == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      THREADS_LOGNO(00115) "%s of user %s: every session "
                                           "from before ends",
                      what, user);
    }
    return rv;
}

int threads_endpoint_deauthorize(request_rec *r, threads_callback_t *cb)
{
    int status = OK;
    const char *user = threads_meta_user(r, &status);

    if (!user) {
        return status;
    }
    if (threads_meta_revoke(r, user, "deauthorization") != APR_SUCCESS) {
        return threads_meta_unavailable(r);
    }
    threads_count(THREADS_C_REVOKED_DEAUTHORIZE);
    return threads_meta_json(r, HTTP_OK, "{\"deauthorized\":true}");
}

int threads_endpoint_delete(request_rec *r, threads_callback_t *cb)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    int status = OK;
    const char *user = threads_meta_user(r, &status);
    const char *code, *url;

    if (!user) {
        return status;
    }
    code = threads_keys_seal(
        r, THREADS_META_DELETION_LABEL,
        apr_psprintf(r->pool, "%s %" APR_INT64_T_FMT, user,
                     (apr_int64_t)apr_time_sec(apr_time_now())));
    if (!code || threads_meta_revoke(r, user, "data deletion") != APR_SUCCESS) {
        return threads_meta_unavailable(r);
    }
    threads_count(THREADS_C_REVOKED_DELETE);
    {
        const char *const query[] = {"deletion", code, NULL};

        url = threads_url_with_query(r->pool, sc->redirect_uri, query);
    }
    return threads_meta_json(
        r, HTTP_OK,
        apr_pstrcat(r->pool, "{\"url\":", threads_json_quote(r->pool, url),
                    ",\"confirmation_code\":",
                    threads_json_quote(r->pool, code), "}", NULL));
}

int threads_endpoint_deletion(request_rec *r, threads_callback_t *cb)
{
    const char *code = apr_table_get(cb->params, "deletion");
    char *plain = threads_keys_open(r, THREADS_META_DELETION_LABEL, code);
    char *when = plain ? strchr(plain, ' ') : NULL;
    apr_int64_t at = 0;

    if (!when ||
        !threads_text_all_digits(plain, (apr_size_t)(when - plain), 64) ||
        !threads_text_parse_positive(when + 1, &at)) {
        at = 0;
    }
    return threads_page_deletion_status(r, at, threads_revoke_enabled(r));
}
