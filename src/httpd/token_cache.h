/*
 * token_cache.h: the token last opened on a connection, so that the
 * requests of a kept-alive connection, which bring the same session
 * cookie, open and decode it once.
 */
#ifndef THREADS_HTTPD_TOKEN_CACHE_H
#define THREADS_HTTPD_TOKEN_CACHE_H

#include "httpd/module.h"

#include "core/token.h"

/* A copy (in r->pool; its strings shared) of the token that sealed opened
 * to on r's connection, when an earlier request there opened that very
 * text with the keys of r's server; NULL otherwise. */
threads_token_t *threads_token_cache_get(request_rec *r, const char *sealed);

/* Keeps t as what sealed opens to with the keys of r's server, for the
 * next requests of r's connection. */
void threads_token_cache_put(request_rec *r, const char *sealed,
                             const threads_token_t *t);

#endif /* THREADS_HTTPD_TOKEN_CACHE_H */
