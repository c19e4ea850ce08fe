/*
 * config_check.c: what the configuration alone shows is wrong (errors, in
 * check_config, so httpd -t catches them) or risky (warnings, logged where
 * a sysadmin sees them: on the console when httpd -t or a start first
 * checks the configuration, then in the error log once it is open).
 */
#include "httpd/config.h"
#include "httpd/store.h"

#include <grp.h>
#include <unistd.h>

#include "http_core.h"
#include "apr_file_info.h"
#include "apr_strings.h"
#include "mod_session.h"
#include "unixd.h"

/* The names of the three required directives a server lacks. */
static const char *threads_config_missing(apr_pool_t *p,
                                          const threads_server_conf_t *sc,
                                          int *nmissing)
{
    const char *missing = "";

    *nmissing = 0;
    if (!sc->app_id) {
        missing = apr_pstrcat(p, missing, " ThreadsAppId", NULL);
        (*nmissing)++;
    }
    if (!sc->app_secret) {
        missing = apr_pstrcat(p, missing, " ThreadsAppSecret", NULL);
        (*nmissing)++;
    }
    if (!sc->redirect_uri) {
        missing = apr_pstrcat(p, missing, " ThreadsRedirectUri", NULL);
        (*nmissing)++;
    }
    return missing;
}

/* Names a server in log lines: a virtual host by its name and where it is
 * defined, the main server as such. */
static const char *threads_config_server_name(apr_pool_t *p,
                                              const server_rec *s)
{
    if (!s->is_virtual || !s->defn_name) {
        return "the main server";
    }
    return apr_psprintf(p, "<VirtualHost> %s (%s:%d)",
                        s->server_hostname ? s->server_hostname : "",
                        s->defn_name, s->defn_line_number);
}

/* ------------------------------------------------------------------ */
/* Does Session On cover the callback path?                            */
/* ------------------------------------------------------------------ */

typedef enum {
    THREADS_COVER_NO = 0,
    THREADS_COVER_YES,
    THREADS_COVER_UNKNOWN /* a section the config alone cannot place */
} threads_cover_e;

/* mod_session's settings of one configuration section, or NULL. */
static const session_dir_conf *threads_config_session_of(module *session,
                                                         ap_conf_vector_t *v)
{
    return v ? ap_get_module_config(v, session) : NULL;
}

/* 1 when an <If> (or <ElseIf>, <Else>) inside section v sets Session: it
 * depends on each request, so the configuration cannot tell. */
static int threads_config_session_in_if(module *session, ap_conf_vector_t *v)
{
    core_dir_config *core = v ? ap_get_core_module_config(v) : NULL;
    int i;

    for (i = 0; core && core->sec_if && i < core->sec_if->nelts; i++) {
        ap_conf_vector_t *inner =
            APR_ARRAY_IDX(core->sec_if, i, ap_conf_vector_t *);
        const session_dir_conf *conf =
            threads_config_session_of(session, inner);

        if ((conf && conf->enabled_set) ||
            threads_config_session_in_if(session, inner)) {
            return 1;
        }
    }
    return 0;
}

/* 1 when <Location path> applies to uri, as httpd's location walk has it:
 * a prefix that ends at a slash or at the end of uri. */
static int threads_config_location_matches(const char *path, const char *uri)
{
    apr_size_t len = strlen(path);

    return len > 0 && !strncmp(uri, path, len) &&
           (path[len - 1] == '/' || uri[len] == '/' || uri[len] == '\0');
}

/* Whether mod_session is on for the callback path of s. Certain only from
 * the server's own setting and plain <Location> sections; a <Directory>,
 * <If>, regex or wildcard section that turns sessions on or off leaves it
 * to the request (the callback says so then, THREADS00051). */
static threads_cover_e threads_config_session_covers(server_rec *s,
                                                     const char *path)
{
    module *session = ap_find_linked_module("mod_session.c");
    const session_dir_conf *conf;
    core_server_config *core;
    int on, i;

    if (!session) {
        return THREADS_COVER_UNKNOWN;
    }
    conf = threads_config_session_of(session, s->lookup_defaults);
    on = conf && conf->enabled;
    if (threads_config_session_in_if(session, s->lookup_defaults)) {
        return THREADS_COVER_UNKNOWN;
    }
    core = ap_get_core_module_config(s->module_config);
    for (i = 0; core->sec_dir && i < core->sec_dir->nelts; i++) {
        conf = threads_config_session_of(
            session, APR_ARRAY_IDX(core->sec_dir, i, ap_conf_vector_t *));
        if (conf && conf->enabled_set) {
            return THREADS_COVER_UNKNOWN;
        }
    }
    for (i = 0; core->sec_url && i < core->sec_url->nelts; i++) {
        ap_conf_vector_t *v =
            APR_ARRAY_IDX(core->sec_url, i, ap_conf_vector_t *);
        core_dir_config *where = ap_get_core_module_config(v);

        conf = threads_config_session_of(session, v);
        if (threads_config_session_in_if(session, v)) {
            return THREADS_COVER_UNKNOWN;
        }
        if (!conf || !conf->enabled_set) {
            continue;
        }
        if (where->r || where->d_is_fnmatch || !where->d) {
            return THREADS_COVER_UNKNOWN;
        }
        if (threads_config_location_matches(where->d, path)) {
            on = conf->enabled;
        }
    }
    return on ? THREADS_COVER_YES : THREADS_COVER_NO;
}

/* ------------------------------------------------------------------ */
/* Can the children read a file?                                       */
/* ------------------------------------------------------------------ */

/* 1 when uid/gid (and the user's other groups) may do what mask asks of
 * finfo: owner, group and other bits as the kernel weighs them. */
static int threads_config_may(const apr_finfo_t *finfo, uid_t uid,
                              const gid_t *groups, int ngroups,
                              apr_fileperms_t owner, apr_fileperms_t group,
                              apr_fileperms_t other)
{
    int i;

    if (finfo->user == uid) {
        return (finfo->protection & owner) != 0;
    }
    for (i = 0; i < ngroups; i++) {
        if (finfo->group == groups[i]) {
            return (finfo->protection & group) != 0;
        }
    }
    return (finfo->protection & other) != 0;
}

/* Why the user httpd's children run as cannot read path (a directory on
 * the way it cannot enter, or the file itself), or NULL when it can.
 * ACLs are not looked at. */
static const char *threads_config_child_cannot_read(apr_pool_t *p,
                                                    const char *path)
{
    gid_t groups[64];
    int ngroups = 64;
    apr_finfo_t finfo;
    char *dir = apr_pstrdup(p, path);
    char *slash;

    if (geteuid() != 0 || ap_unixd_config.user_id == 0) {
        return NULL; /* the children are whoever reads it now */
    }
    if (getgrouplist(ap_unixd_config.user_name, ap_unixd_config.group_id,
                     groups, &ngroups) < 0) {
        groups[0] = ap_unixd_config.group_id;
        ngroups = 1;
    }
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (apr_stat(&finfo, dir, APR_FINFO_PROT | APR_FINFO_OWNER, p) ==
                APR_SUCCESS &&
            !threads_config_may(&finfo, ap_unixd_config.user_id, groups,
                                ngroups, APR_UEXECUTE, APR_GEXECUTE,
                                APR_WEXECUTE)) {
            return apr_psprintf(p, "cannot enter %s", dir);
        }
        *slash = '/';
    }
    if (apr_stat(&finfo, path, APR_FINFO_PROT | APR_FINFO_OWNER, p) ==
            APR_SUCCESS &&
        !threads_config_may(&finfo, ap_unixd_config.user_id, groups, ngroups,
                            APR_UREAD, APR_GREAD, APR_WREAD)) {
        return "cannot read it";
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* The checks                                                          */
/* ------------------------------------------------------------------ */

/* 1 when a server before s in the list has the same configuration: a
 * virtual host without directives of the module shares the main server's
 * record, whose warnings are said once, for the main server. */
static int threads_config_seen(server_rec *first, server_rec *s,
                               const threads_server_conf_t *sc)
{
    for (; first != s; first = first->next) {
        if (threads_config_server(first) == sc) {
            return 1;
        }
    }
    return 0;
}

/* The errors of one complete server; returns their number. shared: its
 * configuration is an earlier server's (only what depends on the server,
 * its sessions, is checked again). */
static int threads_config_server_errors(apr_pool_t *ptemp, server_rec *s,
                                        const threads_server_conf_t *sc,
                                        int shared)
{
    const char *name = threads_config_server_name(ptemp, s);
    const char *why;
    int errors = 0;

    if (threads_config_session_covers(s, sc->callback_path) ==
        THREADS_COVER_NO) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00026) "%s: Session On does not cover %s, "
                                          "the path of ThreadsRedirectUri: "
                                          "set it for the server, or in a "
                                          "<Location> that holds that path",
                     name, sc->callback_path);
        errors++;
    }
    if (shared) {
        return errors;
    }
    if (sc->username_wanted && !threads_config_profile(sc)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00025) "%s: ThreadsRemoteUser username "
                                          "needs ThreadsProfile On (the "
                                          "username comes from the profile)",
                     name);
        errors++;
    }
    if (sc->revocation_cache &&
        !threads_store_provider_exists(sc->revocation_cache)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00033) "%s: ThreadsRevocationCache %s: no "
                                          "such socache provider is loaded "
                                          "(load its mod_socache_* module)",
                     name, sc->revocation_cache);
        errors++;
    }
    if (sc->ca_file &&
        (why = threads_config_child_cannot_read(ptemp, sc->ca_file))) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00027) "%s: ThreadsCaFile %s: user %s, as "
                                          "whom httpd's children call "
                                          "Threads, %s",
                     name, sc->ca_file, ap_unixd_config.user_name, why);
        errors++;
    }
    return errors;
}

int threads_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s)
{
    int status = OK, configured = 0;
    server_rec *main_server = s;

    for (; s; s = s->next) {
        const threads_server_conf_t *sc = threads_config_server(s);
        int shared = threads_config_seen(main_server, s, sc);
        int nmissing;
        const char *missing = threads_config_missing(ptemp, sc, &nmissing);

        if (nmissing > 0 && nmissing < 3) {
            if (shared) {
                continue;
            }
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                         THREADS_LOGNO(00022) "%s sets some but not all of "
                                              "ThreadsAppId, ThreadsAppSecret, "
                                              "ThreadsRedirectUri; missing:%s",
                         threads_config_server_name(ptemp, s), missing);
            status = !OK;
            continue;
        }
        if (nmissing) {
            continue;
        }
        configured = 1;
        if (threads_config_server_errors(ptemp, s, sc, shared)) {
            status = !OK;
        }
    }
    if (configured && !ap_find_linked_module("mod_session_cookie.c") &&
        !ap_find_linked_module("mod_session_dbd.c")) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, main_server,
                     THREADS_LOGNO(00028) "mod_threads_oauth keeps logins in "
                                          "mod_session, which needs a store: "
                                          "load session_cookie_module (or "
                                          "session_dbd_module)");
        status = !OK;
    }
    return status;
}

/* 1 when url is plain http. */
static int threads_config_is_plain_http(const char *url)
{
    return !strncasecmp(url, "http:", 5);
}

/* 1 when url's host is threads.net or one of its subdomains. */
static int threads_config_is_threads_net(apr_pool_t *p, const char *url)
{
    apr_uri_t uri;
    apr_size_t len;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.hostname) {
        return 0;
    }
    len = strlen(uri.hostname);
    return !strcasecmp(uri.hostname, "threads.net") ||
           (len > 12 && !strcasecmp(uri.hostname + len - 12, ".threads.net"));
}

/* The warnings of one complete server; notices (what the configuration
 * does not guarantee) only when it starts, not on httpd -t or -k. */
static void threads_config_server_warnings(apr_pool_t *ptemp, server_rec *s,
                                           const threads_server_conf_t *sc,
                                           int starting)
{
    const char *name = threads_config_server_name(ptemp, s);
    int i;

    if (sc->ssl_verify == 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00023) "%s: ThreadsSslVerify Off: calls "
                                          "to Threads accept any "
                                          "certificate",
                     name);
    }
    if (threads_config_is_plain_http(threads_config_token_url(sc))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00024) "%s: ThreadsTokenUrl is plain "
                                          "http: the app secret and codes "
                                          "cross the network unencrypted",
                     name);
    }
    if (threads_config_is_plain_http(threads_config_graph_url(sc))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00029) "%s: ThreadsGraphUrl is plain "
                                          "http: the app secret (in the "
                                          "long-lived exchange) and tokens "
                                          "cross the network unencrypted",
                     name);
    }
    if (threads_config_is_plain_http(threads_config_authorize_url(sc))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00030) "%s: ThreadsAuthorizeUrl is plain "
                                          "http: the browser's sign-in can "
                                          "be read and changed on the way",
                     name);
    }
    if (threads_config_is_threads_net(ptemp,
                                      threads_config_authorize_url(sc))) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00031) "%s: ThreadsAuthorizeUrl is on "
                                          "threads.net, whose redirect to "
                                          "threads.com has been seen to drop "
                                          "the query: use "
                                          "https://threads.com/oauth/authorize",
                     name);
    }
    if (sc->app_secret_looks_like_path) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00032) "%s: ThreadsAppSecret is the path "
                                          "of an existing file and is taken "
                                          "as the secret itself: write "
                                          "file:<path> to read the file",
                     name);
    }
    if (!sc->revocation_cache && starting) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     THREADS_LOGNO(00034) "%s: no ThreadsRevocationCache: a "
                                          "logout ends the browser's cookie "
                                          "only, a copy of it stays valid "
                                          "until its token expires, and "
                                          "Meta's deauthorization cannot end "
                                          "sessions",
                     name);
    }
    for (i = 0; sc->unknown_scopes && i < sc->unknown_scopes->nelts; i++) {
        const threads_config_unknown_scope_t *u = &APR_ARRAY_IDX(
            sc->unknown_scopes, i, threads_config_unknown_scope_t);

        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                     THREADS_LOGNO(00020) "%s:%d: ThreadsScope: unknown "
                                          "permission %s is sent as given",
                     u->file, u->line, u->perm);
    }
}

/* 1 when the configuration tree under d names a session store's cookie
 * (SessionCookieName[2], SessionDBDCookieName[2]) anywhere. */
static int threads_config_names_store(const ap_directive_t *d)
{
    for (; d; d = d->next) {
        if (!strncasecmp(d->directive, "SessionCookieName", 17) ||
            !strncasecmp(d->directive, "SessionDBDCookieName", 20) ||
            threads_config_names_store(d->first_child)) {
            return 1;
        }
    }
    return 0;
}

void threads_config_warn(apr_pool_t *ptemp, server_rec *main_server,
                         int starting)
{
    server_rec *s;
    int configured = 0;

    for (s = main_server; s; s = s->next) {
        const threads_server_conf_t *sc = threads_config_server(s);

        if (threads_config_complete(sc) &&
            !threads_config_seen(main_server, s, sc)) {
            configured = 1;
            threads_config_server_warnings(ptemp, s, sc, starting);
        }
    }
    /* Session On without a store is seen only per request (00057):
     * mod_session's configuration is its own. What the files show is
     * said here; .htaccess files, read later, may still name one. */
    if (configured && !threads_config_names_store(ap_conftree)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     THREADS_LOGNO(00233) "no SessionCookieName nor "
                                          "SessionDBDCookieName in the "
                                          "configuration: mod_session has "
                                          "nowhere to keep logins, and every "
                                          "sign-in will answer 500 unless an "
                                          ".htaccess file names one");
    }
}
