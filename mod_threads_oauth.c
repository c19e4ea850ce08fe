/*
 * mod_threads_oauth.c: "Sign in with Threads" for Apache httpd 2.4.
 *
 * The module record, the hooks and what happens once per start-up and
 * once per child. The request path lives in threads_authn.c (AuthType
 * Threads) and threads_flow.c (the callback endpoint); the directives in
 * threads_config.c.
 */
#include "threads_oauth.h"

#include "apr_strings.h"

/* A sealing key derived from secret; NULL (logged) when that fails. */
static const threads_key_t *threads_derive_key(apr_pool_t *pconf, server_rec *s,
                                               const char *secret)
{
    threads_key_t *key = apr_palloc(pconf, sizeof(*key));
    apr_status_t rv = threads_key_derive(secret, strlen(secret), key);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00002) "cannot derive the session key");
        return NULL;
    }
    return key;
}

/* httpd's own tracing prints request lines (core, trace5) and response
 * headers (http, trace4): on a server with the callback that would put
 * authorization codes and states into the error log. Such a server's
 * levels for these two modules are capped at trace3, with a notice. */
static void threads_cap_tracing(apr_pool_t *pconf, server_rec *s)
{
    static const char *const modules[] = {"core.c", "http_core.c"};
    apr_size_t i;

    for (i = 0; i < sizeof(modules) / sizeof(*modules); i++) {
        module *m = ap_find_linked_module(modules[i]);

        if (m &&
            ap_get_server_module_loglevel(s, m->module_index) > APLOG_TRACE3) {
            ap_set_module_loglevel(pconf, &s->log, m->module_index,
                                   APLOG_TRACE3);
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         THREADS_LOGNO(00004) "LogLevel of %s capped at "
                                              "trace3 on this server: higher "
                                              "levels would log authorization "
                                              "codes",
                         modules[i]);
        }
    }
}

/* The one-time setup of every server: keys, HTTP options, default scope.
 * post_config runs single-threaded in the parent, before any request. */
static int threads_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv = threads_http_global_init(s->process->pool);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00001) "cannot initialise libcurl");
        return !OK;
    }
    for (; s; s = s->next) {
        threads_server_conf_t *sc = threads_config_server(s);
        const char *ikm;

        sc->default_scope =
            threads_scope_parse(pconf, THREADS_DEFAULT_SCOPE, NULL);
        sc->http_options.timeout =
            apr_time_from_sec(threads_config_http_timeout(sc));
        sc->http_options.ssl_verify = threads_config_ssl_verify(sc);
        sc->http_options.ca_file = sc->ca_file;
        sc->http_options.proxy = sc->proxy;
        sc->http_options.user_agent = "mod_threads_oauth/" THREADS_VERSION;
        sc->nkeys = 0;
        if (!threads_config_complete(sc)) {
            continue;
        }
        threads_cap_tracing(pconf, s);
        /* Nodes sharing the app secret (or session key) read each other's
         * sessions: the key is derived, never random. */
        ikm = sc->session_key ? sc->session_key : sc->app_secret;
        sc->keys[0] = threads_derive_key(pconf, s, ikm);
        if (!sc->keys[0]) {
            return !OK;
        }
        sc->nkeys = 1;
        if (sc->session_key_old) {
            sc->keys[1] = threads_derive_key(pconf, s, sc->session_key_old);
            if (!sc->keys[1]) {
                return !OK;
            }
            sc->nkeys = 2;
        }
    }
    return OK;
}

/* One pool of outgoing HTTP handles per child process, shared by its
 * threads under a mutex. child_init runs before the worker threads. */
static void threads_child_init(apr_pool_t *pchild, server_rec *s)
{
    threads_http_pool_t *http;
    apr_status_t rv = threads_http_pool_create(pchild, &http);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s,
                     THREADS_LOGNO(00003) "cannot create the HTTP handle "
                                          "pool");
        http = NULL;
    }
    for (; s; s = s->next) {
        threads_config_server(s)->http = http;
    }
}

static void threads_register_hooks(apr_pool_t *p)
{
    /* The callback path is ours even where ProxyPass covers the site. */
    static const char *const before_proxy[] = {"mod_proxy.c", NULL};

    ap_hook_check_config(threads_config_check, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(threads_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(threads_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(threads_authn_header_parser, NULL, NULL,
                          APR_HOOK_FIRST);
    ap_hook_check_authn(threads_authn_check_user, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(threads_authn_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(threads_flow_handler, NULL, before_proxy, APR_HOOK_FIRST);
}

/* Declared by APLOG_USE_MODULE in threads_oauth.h. */
module AP_MODULE_DECLARE_DATA threads_oauth_module = {
    STANDARD20_MODULE_STUFF,     threads_config_create_dir,
    threads_config_merge_dir,    threads_config_create_server,
    threads_config_merge_server, threads_config_cmds,
    threads_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};
