/*
 * codec.h: percent-encoding, base64url and a constant-time comparison.
 */
#ifndef THREADS_CORE_CODEC_H
#define THREADS_CORE_CODEC_H

#include "apr.h"
#include "apr_pools.h"

/* Percent-encodes everything but RFC 3986 unreserved characters. NULL
 * gives "". */
char *threads_url_encode(apr_pool_t *p, const char *s);

/* Decodes %XX and '+' (as space) of len bytes of s. Returns APR_SUCCESS, or
 * APR_EINVAL for a bad escape or a NUL (raw or encoded). */
apr_status_t threads_url_decode(apr_pool_t *p, const char *s, apr_size_t len,
                                char **out);

/* Unpadded base64url (RFC 4648 section 5). */
char *threads_base64url_encode(apr_pool_t *p, const unsigned char *data,
                               apr_size_t len);
/* FNV-1a (32 bits) of len bytes at data: a quick, well-spread hash for
 * tables and file names, not for anything an attacker should not guess. */
apr_uint32_t threads_fnv1a(const void *data, apr_size_t len);

/* len (at most 64) random bytes from the system's CSPRNG (getrandom,
 * through APR), as unpadded base64url in *out; the bytes are wiped.
 * APR_EGENERAL, *out NULL, when there is no randomness. */
apr_status_t threads_random_base64url(apr_pool_t *p, apr_size_t len,
                                      char **out);
/* Strict decode: only A-Za-z0-9-_, no padding, unused bits zero, so a
 * value has exactly one spelling. APR_EINVAL otherwise. */
apr_status_t threads_base64url_decode(apr_pool_t *p, const char *s,
                                      unsigned char **out, apr_size_t *len);

/* As threads_base64url_decode, but takes the '=' padding others add
 * (length a multiple of 4 then), as Meta's signed requests may. */
apr_status_t threads_base64url_decode_padded(apr_pool_t *p, const char *s,
                                             unsigned char **out,
                                             apr_size_t *len);

/* 1 when a and b are equal. The time taken depends only on the lengths. */
int threads_const_eq(const char *a, const char *b);

#endif /* THREADS_CORE_CODEC_H */
