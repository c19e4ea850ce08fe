/*
 * keys.h: the sealing keys of each server, made once per start-up.
 */
#ifndef THREADS_HTTPD_KEYS_H
#define THREADS_HTTPD_KEYS_H

#include "httpd/module.h"

/* The key material of servers without ThreadsSessionKey: read from
 * threads_oauth_session.key under DefaultRuntimeDir, or generated there
 * (256 random bits, mode 0600) when the file does not exist. post_config
 * only. NULL (logged) when the file cannot be used. */
const char *threads_keys_generated(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *s);

/* Derives the sealing keys of s (and its older key, for opening only)
 * from ThreadsSessionKey, or else from generated, bound to ThreadsAppId.
 * post_config only. APR_SUCCESS, or a status already logged. */
apr_status_t threads_keys_setup(apr_pool_t *pconf, server_rec *s,
                                const char *generated);

/* plain sealed for label under the current key of r's server; NULL
 * (logged) when sealing fails. */
char *threads_keys_seal(request_rec *r, const char *label, const char *plain);

/* sealed opened for label with the keys of r's server (the current one,
 * then the older); NULL when it does not open: tampered, other key, other
 * app or other label. */
char *threads_keys_open(request_rec *r, const char *label, const char *sealed);

#endif /* THREADS_HTTPD_KEYS_H */
