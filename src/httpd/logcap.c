/*
 * logcap.c: caps on the log levels of httpd's own modules.
 *
 * On the requests the module handles (and those that carry its session
 * cookie), httpd's modules would print what
 * must never reach a log: core the Set-Cookie of the session at debug
 * (AH00007) and the request line with code and state at trace5, http the
 * response headers at trace4, mod_rewrite the values RewriteCond tests at
 * trace4, mod_proxy_fcgi the environment (the token) at trace4 and trace8,
 * mod_proxy_ajp every forwarded header (Cookie, X-Threads-*) at trace5,
 * mod_ssl and mod_dumpio every byte at trace7. Two layers keep them out:
 *
 * - server-wide, from post_config: what is logged before httpd knows the
 *   request is ours (the request line, the connection's bytes) on every
 *   server, since a connection's first server may be any virtual host;
 *   http and rewrite on the servers that configure the module;
 * - per request, after each per-directory merge, since a per-directory
 *   LogLevel (<Location /> LogLevel trace8) replaces the server's.
 *
 * The module indexes are found in post_config, single-threaded, and only
 * read afterwards.
 */
#include "httpd/config.h"
#include "httpd/logcap.h"
#include "httpd/request.h"
#include "httpd/session.h"

#include "http_core.h"
#include "apr_strings.h"

/* Where a cap applies: everywhere, on configured servers, per request. */
#define THREADS_CAP_ALL_SERVERS 1
#define THREADS_CAP_OUR_SERVERS 2

/* One module's caps: its source name, the highest level on the module's
 * requests, the highest server-wide level and on which servers. */
typedef struct {
    const char *module;
    int request_level;
    int server_level;
    int servers;
} threads_logcap_t;

static const threads_logcap_t threads_logcaps[] = {
    {"core.c", APLOG_INFO, APLOG_TRACE4, THREADS_CAP_ALL_SERVERS},
    {"http_core.c", APLOG_TRACE3, APLOG_TRACE3, THREADS_CAP_OUR_SERVERS},
    {"mod_rewrite.c", APLOG_TRACE3, APLOG_TRACE3, THREADS_CAP_OUR_SERVERS},
    {"mod_proxy_fcgi.c", APLOG_TRACE3, APLOG_TRACE3, THREADS_CAP_OUR_SERVERS},
    {"mod_proxy_ajp.c", APLOG_TRACE4, APLOG_TRACE4, THREADS_CAP_OUR_SERVERS},
    {"mod_ssl.c", APLOG_TRACE6, APLOG_TRACE6, THREADS_CAP_ALL_SERVERS},
    {"mod_dumpio.c", APLOG_TRACE6, APLOG_TRACE6, THREADS_CAP_ALL_SERVERS},
};

#define THREADS_LOGCAP_COUNT                                                   \
    (sizeof(threads_logcaps) / sizeof(*threads_logcaps))

/* The module index of each row (-1: not loaded). Written in post_config
 * only. */
static int threads_logcap_index[THREADS_LOGCAP_COUNT];

/* "debug", "trace3", ... */
static const char *threads_logcap_level_name(int level)
{
    static const char *const names[] = {"emerg",  "alert",  "crit",   "error",
                                        "warn",   "notice", "info",   "debug",
                                        "trace1", "trace2", "trace3", "trace4",
                                        "trace5", "trace6", "trace7", "trace8"};

    return level >= 0 && level < (int)(sizeof(names) / sizeof(*names))
               ? names[level]
               : "?";
}

/* Lowers the level of module index i in l to at most level. */
static void threads_logcap_lower(apr_pool_t *p, struct ap_logconf *l, int i,
                                 int level)
{
    if (ap_get_module_loglevel(l, i) > level) {
        ap_set_module_loglevel(p, l, i, level);
    }
}

void threads_logcap_setup(apr_pool_t *pconf, server_rec *main_server)
{
    const char *names = NULL;
    server_rec *s;
    apr_size_t i;

    for (i = 0; i < THREADS_LOGCAP_COUNT; i++) {
        module *m = ap_find_linked_module(threads_logcaps[i].module);

        threads_logcap_index[i] = m ? m->module_index : -1;
        names = apr_psprintf(
            pconf, "%s%s%s %s", names ? names : "", names ? ", " : "",
            threads_logcaps[i].module,
            threads_logcap_level_name(threads_logcaps[i].request_level));
    }
    for (s = main_server; s; s = s->next) {
        int ours = threads_config_complete(threads_config_server(s));

        for (i = 0; i < THREADS_LOGCAP_COUNT; i++) {
            const threads_logcap_t *cap = &threads_logcaps[i];

            if (threads_logcap_index[i] >= 0 &&
                (cap->servers == THREADS_CAP_ALL_SERVERS || ours)) {
                threads_logcap_lower(pconf, &s->log, threads_logcap_index[i],
                                     cap->server_level);
            }
        }
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, main_server,
                 THREADS_LOGNO(00004) "on the requests it handles or that "
                                      "carry its session cookie, the module "
                                      "caps the LogLevel of %s (higher levels "
                                      "would log codes, states, tokens or "
                                      "session cookies); request lines and "
                                      "connection dumps are capped on every "
                                      "server",
                 names);
}

/* 1 when the module handles r or r carries the module's values: the
 * callback, AuthType Threads, a Cookie header with the module's entries
 * (mod_session_cookie), or, once the session may be loaded
 * (with_session), a session that holds them whatever the store (a
 * mod_session_dbd id is a credential too). mod_session writes that
 * cookie back on any request under Session On (SessionMaxAge), and core
 * logs what it writes at debug. The mark on the initial request carries
 * it to subrequests and internal redirects (an ErrorDocument carries the
 * callback's Set-Cookie). */
static int threads_logcap_is_ours(request_rec *r, int with_session)
{
    threads_request_t *st = threads_request_state(r);
    const char *type;

    if (st->log_capped) {
        return 1;
    }
    type = ap_auth_type(r);
    if (threads_config_is_callback(r) ||
        (type && !strcasecmp(type, THREADS_AUTH_TYPE)) ||
        threads_session_in_cookies(r) ||
        (with_session && threads_session_holds_values(r))) {
        st->log_capped = 1;
        return 1;
    }
    return 0;
}

/* Lowers r's levels to the caps; copies its log configuration only when
 * a level is too high, so the usual request costs a few comparisons. */
static void threads_logcap_apply(request_rec *r)
{
    const struct ap_logconf *l = ap_get_request_logconf(r);
    struct ap_logconf *capped = NULL;
    apr_size_t i;

    for (i = 0; i < THREADS_LOGCAP_COUNT; i++) {
        int index = threads_logcap_index[i];

        if (index >= 0 && ap_get_module_loglevel(l, index) >
                              threads_logcaps[i].request_level) {
            if (!capped) {
                capped = ap_new_log_config(r->pool, l);
            }
            threads_logcap_lower(r->pool, capped, index,
                                 threads_logcaps[i].request_level);
        }
    }
    if (capped) {
        r->log = capped;
    }
}

void threads_logcap_request(request_rec *r, int with_session)
{
    /* A subrequest may have marked the main request first (mod_dir's,
     * in fixups): every request the mark covers is capped on its own
     * r->log, so each one applies the caps, not only the first. */
    if (threads_config_complete(threads_config_server(r->server)) &&
        threads_logcap_is_ours(r, with_session)) {
        threads_logcap_apply(r);
    }
}
