/*
 * threads_oauth.h: the httpd side of mod_threads_oauth.
 *
 * Configuration, the request hooks and the callback endpoint. The protocol
 * code they call (encoding, sealing, JSON, outgoing HTTP) is declared in
 * threads_core.h and never touches httpd.
 */
#ifndef THREADS_OAUTH_H
#define THREADS_OAUTH_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_request.h"
#include "threads_core.h"

/* LogLevel threads_oauth:debug works for every file of the module. */
APLOG_USE_MODULE(threads_oauth);

/* Every log message starts with a stable ID of its own, as httpd's APLOGNO;
 * the next free number is in LOGNO_NEXT. IDs are never reused. */
#define THREADS_LOGNO(n) "THREADS" #n ": "

#define THREADS_VERSION "0.1.0"

#define THREADS_AUTH_TYPE "Threads"
#define THREADS_HANDLER   "threads-oauth"

/* A directive not given in this scope; getters apply the default. */
#define THREADS_UNSET (-1)

#define THREADS_DEFAULT_AUTHORIZE_URL  "https://threads.com/oauth/authorize"
#define THREADS_DEFAULT_TOKEN_URL      "https://graph.threads.net/oauth/access_token"
#define THREADS_DEFAULT_GRAPH_URL      "https://graph.threads.net"
#define THREADS_DEFAULT_SCOPE          "threads_basic"
#define THREADS_DEFAULT_STATE_TIMEOUT  600
#define THREADS_DEFAULT_HTTP_TIMEOUT   10
#define THREADS_DEFAULT_REFRESH_WINDOW 604800
/* Threads refreshes only tokens at least this old. */
#define THREADS_REFRESH_MIN_AGE 86400
/* After a failed refresh, the next try waits this long. */
#define THREADS_REFRESH_RETRY 3600

typedef enum {
    THREADS_UNAUTH_AUTH = 0, /* navigations log in, the rest get 401 */
    THREADS_UNAUTH_401,
    THREADS_UNAUTH_PASS
} threads_unauth_action_e;

/* Bits of ThreadsPassAs; request notes are always set. */
typedef enum {
    THREADS_PASS_NONE = 0,
    THREADS_PASS_ENV = 1,
    THREADS_PASS_HEADERS = 2,
    THREADS_PASS_BOTH = 3
} threads_pass_as_e;

typedef enum {
    THREADS_REMOTE_USER_ID = 0,
    THREADS_REMOTE_USER_USERNAME
} threads_remote_user_e;

/* Per server (and virtual host). Directive fields are written only while
 * the configuration is read; the fields under "runtime" only in
 * post_config and child_init. Requests read both, never write. */
typedef struct {
    const char *app_id;
    const char *app_secret;
    const char *redirect_uri;
    const char *callback_path; /* decoded path of redirect_uri */
    const char *callback_link; /* its path as written, for links */
    const char *authorize_url;
    const char *token_url;
    const char *graph_url; /* without a trailing '/' */
    int long_lived;
    apr_int64_t refresh_window;
    int profile;
    apr_int64_t state_timeout;
    const char *session_key;
    const char *session_key_old;
    apr_int64_t http_timeout;
    int ssl_verify;
    const char *ca_file;
    const char *proxy;

    /* runtime */
    const threads_key_t *keys[2]; /* sealing key, then the older one */
    int nkeys;
    threads_http_options_t http_options;
    threads_http_pool_t *http;
    threads_scope_t *default_scope; /* threads_basic */
} threads_server_conf_t;

/* Per directory. */
typedef struct {
    threads_scope_t *scope; /* NULL: unset */
    int unauth_action;
    int pass_as;
    int remote_user;
} threads_dir_conf_t;

/* What the module learnt about one request, kept in r->request_config of
 * the initial request so subrequests and internal redirects share it. */
typedef struct {
    int token_loaded;       /* the session was read */
    threads_token_t *token; /* a valid, unexpired token, or NULL */
    int authn_done;         /* check_authn ran for this request_rec */
} threads_request_t;

/* ---- threads_config.c ---- */
extern const command_rec threads_config_cmds[];
void *threads_config_create_server(apr_pool_t *p, server_rec *s);
void *threads_config_merge_server(apr_pool_t *p, void *base, void *add);
void *threads_config_create_dir(apr_pool_t *p, char *dir);
void *threads_config_merge_dir(apr_pool_t *p, void *base, void *add);
/* Cross-directive checks for every server; runs for httpd -t too. */
int threads_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s);
threads_server_conf_t *threads_config_server(const server_rec *s);
threads_dir_conf_t *threads_config_dir(const request_rec *r);
/* 1 when app id, secret and redirect URI are all set. */
int threads_config_complete(const threads_server_conf_t *sc);
const char *threads_config_authorize_url(const threads_server_conf_t *sc);
const char *threads_config_token_url(const threads_server_conf_t *sc);
const char *threads_config_graph_url(const threads_server_conf_t *sc);
apr_int64_t threads_config_state_timeout(const threads_server_conf_t *sc);
apr_int64_t threads_config_http_timeout(const threads_server_conf_t *sc);
int threads_config_ssl_verify(const threads_server_conf_t *sc);
int threads_config_long_lived(const threads_server_conf_t *sc);
int threads_config_profile(const threads_server_conf_t *sc);
apr_int64_t threads_config_refresh_window(const threads_server_conf_t *sc);
/* The scope of ThreadsScope for r, or the default. */
const threads_scope_t *threads_config_scope(const request_rec *r);
threads_unauth_action_e
threads_config_unauth_action(const threads_dir_conf_t *dc);
threads_pass_as_e threads_config_pass_as(const threads_dir_conf_t *dc);
threads_remote_user_e threads_config_remote_user(const threads_dir_conf_t *dc);

/* ---- threads_session.c: the module's values in mod_session ---- */
/* Looks up mod_session's functions; APR_ENOTIMPL when it is not loaded. */
apr_status_t threads_session_init(void);
/* The token kept in the session, opened and decoded; NULL when there is
 * none, or it does not open (tampered, other key): "not logged in". Does
 * not look at the expiry. */
threads_token_t *threads_session_read_token(request_rec *r);
apr_status_t threads_session_write_token(request_rec *r,
                                         const threads_token_t *t);
/* Pending logins, oldest first; never NULL. */
apr_array_header_t *threads_session_read_pending(request_rec *r);
/* Writes the list, dropping the oldest entries until the session stays
 * within the cookie budget. */
apr_status_t threads_session_write_pending(request_rec *r,
                                           apr_array_header_t *list);
/* Removes every value of the module from the session. */
apr_status_t threads_session_clear(request_rec *r);
/* 1 when Session On covers this request. */
int threads_session_enabled(request_rec *r);

/* ---- threads_page.c: everything the module writes to the browser ---- */
/* Cache-Control: no-store (and Pragma) on the response, errors included. */
void threads_page_no_store(request_rec *r);
/* Sends a complete response of our own: status, content type, body. For
 * the authn hook, which runs before httpd inserts the output filters,
 * early must be 1. Returns DONE. */
int threads_page_send(request_rec *r, int status, const char *content_type,
                      const char *body, int early);
/* 302 to location (built by the module or checked local). */
int threads_page_redirect(request_rec *r, const char *location, int early);
/* An error page: sets THREADS_ERROR and THREADS_ERROR_DESCRIPTION (notes
 * and environment), then lets an ErrorDocument for status take over, or
 * writes an escaped HTML page with a title, the message, an optional
 * detail and a link. */
int threads_page_error(request_rec *r, int status, const char *error,
                       const char *description, const char *title,
                       const char *message, const char *link_url,
                       const char *link_text);
/* The 401 answer for scripts: {"error":"login_required","login_url":…}. */
int threads_page_login_required(request_rec *r, int early);

/* ---- threads_graph.c: calls to Threads ---- */
/* Exchanges an authorization code. Returns OK with reply filled, or the
 * status to answer: HTTP_FORBIDDEN (Threads refused, reply has its
 * message), HTTP_BAD_GATEWAY, HTTP_GATEWAY_TIME_OUT. */
int threads_graph_exchange_code(request_rec *r, const char *code,
                                threads_token_reply_t *reply);

/* Trades a short-lived token for a 60-day one (same answers). */
int threads_graph_exchange_long_lived(request_rec *r, const char *token,
                                      threads_token_reply_t *reply);
/* Refreshes a long-lived token (same answers). */
int threads_graph_refresh(request_rec *r, const char *token,
                          threads_token_reply_t *reply);
/* Reads id, username and name of the token's user (same answers). */
int threads_graph_profile(request_rec *r, const char *token,
                          threads_profile_reply_t *reply);

/* ---- threads_flow.c: logins and the callback endpoint ---- */
/* Starts a login that comes back to return_url (local), asking for
 * scope: a pending login in the session and a 302 to Threads. */
int threads_flow_start_login(request_rec *r, const char *return_url,
                             const threads_scope_t *scope, int early);
/* The local URL of this request (path and query) to come back to. */
const char *threads_flow_return_url(request_rec *r);
/* The login link for a return URL: <callback path>?login=<url>. */
const char *threads_flow_login_url(request_rec *r, const char *return_url);
/* The handler of the callback path. */
int threads_flow_handler(request_rec *r);
/* 1 when r asks for the callback path of its server. */
int threads_flow_is_callback(request_rec *r);

/* ---- threads_authn.c: AuthType Threads ---- */
int threads_authn_header_parser(request_rec *r);
int threads_authn_check_user(request_rec *r);
int threads_authn_fixups(request_rec *r);
/* The request state of the initial request behind r. */
threads_request_t *threads_request_state(request_rec *r);
/* The session's token when valid and unexpired, else NULL (cached). */
threads_token_t *threads_request_token(request_rec *r);

#endif /* THREADS_OAUTH_H */
