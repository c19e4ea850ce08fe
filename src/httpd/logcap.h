/*
 * logcap.h: keeping httpd's own modules from logging the module's secrets.
 */
#ifndef THREADS_HTTPD_LOGCAP_H
#define THREADS_HTTPD_LOGCAP_H

#include "httpd/module.h"

/* Caps the log levels of the modules that would print codes or cookies on
 * server s, with a notice naming each cap. post_config only. */
void threads_logcap_server(apr_pool_t *pconf, server_rec *s);

#endif /* THREADS_HTTPD_LOGCAP_H */
