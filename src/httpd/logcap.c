/*
 * logcap.c: httpd's own tracing prints request lines (core, trace5) and
 * response headers (http, trace4): on a server with the callback that
 * would put authorization codes and states into the error log. Such a
 * server's levels for these two modules are capped at trace3, with a
 * notice.
 */
#include "httpd/logcap.h"

void threads_logcap_server(apr_pool_t *pconf, server_rec *s)
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
