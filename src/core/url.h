/*
 * url.h: the open-redirect guard and the callback's code value.
 */
#ifndef THREADS_CORE_URL_H
#define THREADS_CORE_URL_H

#include "apr.h"
#include "apr_pools.h"

/* 1 when url is a local path the module may redirect to: it starts with
 * exactly one '/' (not "//" or "/\"), holds only printable ASCII without
 * backslash (no control characters, spaces or bytes >= 0x80), and its path
 * has no dot segment ("." or "..", also as %2e). */
int threads_url_is_local(const char *url);

/* Meta appends "#_" to the redirect; a code ending in "#_" loses it. */
const char *threads_code_strip_fragment(apr_pool_t *p, const char *code);

#endif /* THREADS_CORE_URL_H */
