/*
 * config_check.c: the checks that span directives, run in check_config so
 * that httpd -t catches them, and the startup warnings of a server's
 * configuration.
 */
#include "httpd/config.h"

#include "apr_strings.h"

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

/* Names a server in log lines: its name and where it was defined. */
static const char *threads_config_server_name(apr_pool_t *p,
                                              const server_rec *s)
{
    return apr_psprintf(
        p, "%s (%s:%d)", s->server_hostname ? s->server_hostname : "server",
        s->defn_name ? s->defn_name : "main config", s->defn_line_number);
}

int threads_config_check(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                         server_rec *s)
{
    int status = OK;

    for (; s; s = s->next) {
        const threads_server_conf_t *sc = threads_config_server(s);
        int nmissing;
        const char *missing = threads_config_missing(ptemp, sc, &nmissing);

        if (nmissing > 0 && nmissing < 3) {
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
        if (sc->ssl_verify == 0) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         THREADS_LOGNO(00023) "%s: ThreadsSslVerify Off: calls "
                                              "to Threads accept any "
                                              "certificate",
                         threads_config_server_name(ptemp, s));
        }
        if (!strncasecmp(threads_config_token_url(sc), "http:", 5)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                         THREADS_LOGNO(00024) "%s: ThreadsTokenUrl is plain "
                                              "http: the app secret and codes "
                                              "cross the network unencrypted",
                         threads_config_server_name(ptemp, s));
        }
    }
    return status;
}
