/*
 * mod_threads_oauth.c: "Sign in with Threads" for Apache httpd 2.4.
 *
 * The module record, the hooks, and what happens once per start-up and
 * once per child. The rest lives in two folders:
 *   src/core/   the protocol (APR, OpenSSL, libcurl, jansson; no httpd)
 *   src/httpd/  the glue: directives, AuthType Threads, the callback
 *               endpoints, the session, pages and calls to Threads
 */
#include "httpd/authn.h"
#include "httpd/authz.h"
#include "httpd/callback.h"
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/keys.h"
#include "httpd/logcap.h"
#include "httpd/pace.h"
#include "httpd/page.h"
#include "httpd/request.h"
#include "httpd/session.h"
#include "httpd/store.h"

#include "http_core.h"
#include "http_protocol.h"
#include "mod_status.h"
#include "util_filter.h"

#include "core/http.h"
#include "core/seal.h"

/* 1 in the first pass over the configuration of a start, which httpd
 * makes only to check it: nothing is served from it, so the module makes
 * no keys and logs no notices there. */
static int threads_is_preflight(void)
{
    return ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG;
}

/* pre_config: the mutex types, so httpd's Mutex directive can set them. */
static int threads_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp)
{
    if (threads_store_register_mutex(pconf) != APR_SUCCESS ||
        threads_pace_register_mutex(pconf) != APR_SUCCESS) {
        ap_log_perror(APLOG_MARK, APLOG_EMERG, 0, plog,
                      THREADS_LOGNO(00005) "cannot register the module's "
                                           "mutexes");
        return !OK;
    }
    return OK;
}

/* check_config: mod_session must be there before anything else is
 * checked, then the checks that span directives (httpd -t runs these). */
static int threads_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    if (threads_session_init() != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00021) "mod_threads_oauth needs "
                                          "mod_session: load session_module "
                                          "and a store such as "
                                          "session_cookie_module");
        return !OK;
    }
    if (threads_config_check(pconf, plog, ptemp, s) != OK) {
        return !OK;
    }
    /* The first check of a start (and httpd -t) writes to the console;
     * later ones run before the error log is open, where a daemon has no
     * console: post_config says it again there. */
    if (threads_is_preflight()) {
        threads_config_warn(ptemp, s, 0);
    }
    return OK;
}

/* 1 when main_server or one of its virtual hosts configures the module. */
static int threads_configured_anywhere(server_rec *main_server)
{
    server_rec *s;

    for (s = main_server; s; s = s->next) {
        if (threads_config_complete(threads_config_server(s))) {
            return 1;
        }
    }
    return 0;
}

/* The key material for servers without ThreadsSessionKey, made (or read)
 * only when one of the configured servers needs it. NULL when none does. */
static const char *threads_generated_key(apr_pool_t *pconf, apr_pool_t *ptemp,
                                         server_rec *main_server, int *failed)
{
    server_rec *s;
    const char *key;

    *failed = 0;
    for (s = main_server; s; s = s->next) {
        const threads_server_conf_t *sc = threads_config_server(s);

        if (threads_config_complete(sc) && !sc->session_key) {
            key = threads_keys_generated(pconf, ptemp, main_server);
            *failed = key == NULL;
            return key;
        }
    }
    return NULL;
}

/* The one-time setup of every server: keys, HTTP options, default scope,
 * log caps. post_config runs single-threaded in the parent, before any
 * request. */
static int threads_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv = threads_http_global_init(pconf);
    const char *generated = NULL;
    int failed = 0;

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00001) "cannot initialise libcurl");
        return !OK;
    }
    rv = threads_seal_init(pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00230) "OpenSSL has no AES-256-GCM");
        return !OK;
    }
    if (!threads_is_preflight()) {
        generated = threads_generated_key(pconf, ptemp, s, &failed);
        if (failed) {
            return !OK;
        }
    }
    if (!threads_is_preflight() && threads_configured_anywhere(s)) {
        threads_config_warn(ptemp, s, 1);
        threads_logcap_setup(pconf, s);
        if (threads_pace_setup(pconf, s) != APR_SUCCESS ||
            threads_counters_setup(s) != APR_SUCCESS) {
            return !OK;
        }
    }
    for (; s; s = s->next) {
        threads_server_conf_t *sc = threads_config_server(s);

        sc->default_scope =
            threads_scope_parse(pconf, THREADS_DEFAULT_SCOPE, NULL);
        sc->http_options.timeout =
            apr_time_from_sec(threads_config_http_timeout(sc));
        sc->http_options.ssl_verify = threads_config_ssl_verify(sc);
        sc->http_options.ca_file = sc->ca_file;
        sc->http_options.proxy = sc->proxy;
        sc->http_options.user_agent = "mod_threads_oauth/" THREADS_VERSION;
        sc->nkeys = 0;
        if (!threads_config_complete(sc) || threads_is_preflight()) {
            continue;
        }
        if (threads_keys_setup(pconf, s, generated) != APR_SUCCESS) {
            return !OK;
        }
        sc->store = NULL;
        if (sc->revocation_cache) {
            sc->store =
                threads_store_setup(pconf, ptemp, s, sc->revocation_cache);
            if (!sc->store) {
                return !OK;
            }
        }
    }
    return OK;
}

/* translate_name: the log caps from the early per-directory merge,
 * before mod_rewrite's own translate_name. The session is not loaded
 * yet: loading it here would let mod_session_dbd remove the Cookie
 * header before the server's rewrite rules see it. */
static int threads_cap_logs(request_rec *r)
{
    threads_logcap_request(r, 0);
    return DECLINED;
}

/* post_perdir_config and fixups (last): the log caps after the final
 * per-directory merge, the session's values included. */
static int threads_cap_logs_of_session(request_rec *r)
{
    threads_logcap_request(r, 1);
    return DECLINED;
}

/* insert_error_filter: an answer made before post_perdir_config (a
 * redirect of the server's rewrite rules) into which mod_session still
 * writes the session. */
static void threads_cap_logs_of_error(request_rec *r)
{
    threads_logcap_request(r, 1);
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
    threads_store_child_init(pchild, s);
    threads_pace_child_init(pchild, s);
    for (; s; s = s->next) {
        threads_config_server(s)->http = http;
    }
}

/* note_auth_failure for AuthType Threads: how to log in is in the 401's
 * body; the header names the scheme. */
static int threads_note_auth_failure(request_rec *r, const char *type)
{
    if (strcasecmp(type, THREADS_AUTH_TYPE)) {
        return DECLINED;
    }
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Threads realm=\"Sign in with Threads\"");
    return OK;
}

static void threads_register_hooks(apr_pool_t *p)
{
    /* The callback path is ours even where ProxyPass covers the site. */
    static const char *const before_proxy[] = {"mod_proxy.c", NULL};

    ap_hook_pre_config(threads_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(threads_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(threads_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(threads_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_create_request(threads_request_create, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(threads_cap_logs, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_post_perdir_config(threads_cap_logs_of_session, NULL, NULL,
                               APR_HOOK_REALLY_FIRST);
    ap_hook_header_parser(threads_authn_header_parser, NULL, NULL,
                          APR_HOOK_FIRST);
    ap_hook_check_authn(threads_authn_check_user, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(threads_authn_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(threads_cap_logs_of_session, NULL, NULL,
                   APR_HOOK_REALLY_LAST);
    ap_hook_note_auth_failure(threads_note_auth_failure, NULL, NULL,
                              APR_HOOK_MIDDLE);
    threads_authz_register(p);
    ap_hook_handler(threads_callback_handler, NULL, before_proxy,
                    APR_HOOK_FIRST);
    ap_hook_handler(threads_counters_handler, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, threads_counters_status, NULL, NULL,
                      APR_HOOK_MIDDLE);
    ap_hook_insert_filter(threads_page_insert_filter, NULL, NULL,
                          APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(threads_cap_logs_of_error, NULL, NULL,
                                APR_HOOK_REALLY_FIRST);
    ap_hook_insert_error_filter(threads_page_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    /* After mod_session's filter (AP_FTYPE_CONTENT_SET), before the
     * headers go out. */
    ap_register_output_filter(THREADS_PAGE_TIDY_FILTER,
                              threads_page_tidy_filter, NULL,
                              AP_FTYPE_CONTENT_SET + 1);
}

/* Declared by APLOG_USE_MODULE in src/httpd/module.h. No
 * AP_MODULE_FLAG_ALWAYS_MERGE: a section without the module's directives
 * adds nothing to merge (every field stays unset), so httpd may skip it. */
module AP_MODULE_DECLARE_DATA threads_oauth_module = {
    STANDARD20_MODULE_STUFF,
    threads_config_create_dir,
    threads_config_merge_dir,
    threads_config_create_server,
    threads_config_merge_server,
    threads_config_cmds,
    threads_register_hooks,
#if defined(AP_MODULE_HAS_FLAGS)
    0
#endif
};
