/*
 * keys.h: the sealing keys of each server, made once at startup.
 */
#ifndef THREADS_HTTPD_KEYS_H
#define THREADS_HTTPD_KEYS_H

#include "httpd/module.h"

/* Derives the sealing keys of s (and its older key for opening only).
 * post_config only. Returns APR_SUCCESS, or a status already logged. */
apr_status_t threads_keys_setup(apr_pool_t *pconf, server_rec *s);

#endif /* THREADS_HTTPD_KEYS_H */
