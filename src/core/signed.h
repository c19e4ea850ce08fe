/*
 * signed.h: Meta's signed_request, as its Deauthorize and Data Deletion
 * callbacks send it.
 */
#ifndef THREADS_CORE_SIGNED_H
#define THREADS_CORE_SIGNED_H

#include "apr.h"
#include "apr_pools.h"

#include "core/json.h"

/* The longest signed_request taken (the whole form body is capped at 64
 * KiB; a real one is a few hundred bytes). */
#define THREADS_SIGNED_REQUEST_MAX 8192

/* Verifies signed_request, "<signature>.<payload>" in base64url (with or
 * without '=' padding): the signature must be HMAC-SHA256 of the payload
 * text as sent, under secret (the app secret), compared in constant time;
 * the payload must name the algorithm HMAC-SHA256 and a user id.
 * APR_SUCCESS and *out filled, or APR_EINVAL and *problem (a fixed text,
 * safe to log). */
apr_status_t threads_signed_request_verify(apr_pool_t *p,
                                           const char *signed_request,
                                           const char *secret,
                                           threads_signed_payload_t *out,
                                           const char **problem);

#endif /* THREADS_CORE_SIGNED_H */
