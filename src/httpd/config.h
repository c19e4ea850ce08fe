/*
 * config.h: the module's directives, per server and per directory, and
 * the getters that apply their defaults.
 */
#ifndef THREADS_HTTPD_CONFIG_H
#define THREADS_HTTPD_CONFIG_H

#include "httpd/module.h"

#include "core/http.h"
#include "core/scope.h"
#include "core/seal.h"

/* The least key material ThreadsSessionKey takes, in bytes. */
#define THREADS_KEY_MIN 32

/* A directive not given in this scope; getters apply the default. */
#define THREADS_UNSET (-1)

#define THREADS_DEFAULT_AUTHORIZE_URL  "https://threads.com/oauth/authorize"
#define THREADS_DEFAULT_TOKEN_URL      "https://graph.threads.net/oauth/access_token"
#define THREADS_DEFAULT_GRAPH_URL      "https://graph.threads.net"
#define THREADS_DEFAULT_SCOPE          "threads_basic"
#define THREADS_DEFAULT_STATE_TIMEOUT  600
#define THREADS_DEFAULT_HTTP_TIMEOUT   10
#define THREADS_DEFAULT_REFRESH_WINDOW 604800

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

/* An unknown permission of ThreadsScope, reported at startup. */
typedef struct {
    const char *file;
    int line;
    const char *perm;
} threads_config_unknown_scope_t;

/* Per server (and virtual host). Directive fields are written only while
 * the configuration is read; the fields under "runtime" only in
 * post_config and child_init. Requests read both, never write. */
typedef struct {
    const char *app_id;
    const char *app_secret;
    int app_secret_looks_like_path; /* inline, and an existing file's path */
    const char *redirect_uri;
    const char *callback_path; /* decoded path of redirect_uri */
    const char *callback_link; /* its path as written, for links */
    const char *authorize_url;
    const char *token_url;
    const char *graph_url; /* without a trailing '/' */
    int long_lived;
    apr_int64_t refresh_window;
    int profile;
    int username_wanted; /* a ThreadsRemoteUser username of the server
                            configuration (not .htaccess) */
    apr_int64_t state_timeout;
    const char *session_key;
    const char *session_key_old;
    apr_int64_t http_timeout;
    int ssl_verify;
    const char *ca_file;
    const char *proxy;
    const char *revocation_cache; /* "<provider>[:<args>]" */

    /* unknown permissions of this server's ThreadsScope directives, for the
     * startup warnings */
    apr_array_header_t *unknown_scopes; /* of threads_config_unknown_scope_t */

    /* runtime */
    const threads_key_t *keys[2]; /* sealing key, then the older one */
    int nkeys;
    threads_http_options_t http_options;
    threads_http_pool_t *http;
    threads_scope_t *default_scope; /* threads_basic */
    struct threads_store_t *store;  /* ThreadsRevocationCache, or NULL */
} threads_server_conf_t;

/* Per directory. */
typedef struct {
    threads_scope_t *scope; /* NULL: unset */
    int unauth_action;
    int pass_as;
    int remote_user;
} threads_dir_conf_t;

extern const command_rec threads_config_cmds[];
void *threads_config_create_server(apr_pool_t *p, server_rec *s);
void *threads_config_merge_server(apr_pool_t *p, void *base, void *add);
void *threads_config_create_dir(apr_pool_t *p, char *dir);
void *threads_config_merge_dir(apr_pool_t *p, void *base, void *add);
/* Cross-directive checks for every server; runs for httpd -t too.
 * Returns OK, or !OK with every problem logged. */
int threads_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s);
/* The warnings of every server's configuration (not fatal). */
void threads_config_warn(apr_pool_t *ptemp, server_rec *s);
threads_server_conf_t *threads_config_server(const server_rec *s);
threads_dir_conf_t *threads_config_dir(const request_rec *r);
/* 1 when r asks for the callback path (of ThreadsRedirectUri) of its
 * server. */
int threads_config_is_callback(const request_rec *r);
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

#endif /* THREADS_HTTPD_CONFIG_H */
