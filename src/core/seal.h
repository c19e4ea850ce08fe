/*
 * seal.h: the sealing key and AES-256-GCM sealed values (OpenSSL).
 */
#ifndef THREADS_CORE_SEAL_H
#define THREADS_CORE_SEAL_H

#include "apr.h"
#include "apr_pools.h"

#define THREADS_KEY_LEN 32

typedef struct {
    unsigned char bytes[THREADS_KEY_LEN];
} threads_key_t;

/* Fetches the cipher once for the process, until pool is cleared: call
 * it before threads run (post_config). Without it every call looks the
 * cipher up itself. */
apr_status_t threads_seal_init(apr_pool_t *pool);

/* HKDF-SHA256 of len bytes of secret, bound to context (the app id, at
 * most 64 bytes; NULL or "" for none): the same secret gives another key
 * for another app, so a value sealed for one app never opens for
 * another. */
apr_status_t threads_key_derive(const char *secret, apr_size_t len,
                                const char *context, threads_key_t *key);

/* Seals plaintext under key with a fresh random 96-bit nonce; label (the
 * session entry's name) is bound as associated data, so a value cannot be
 * moved to another entry. Result: base64url of version byte, nonce,
 * ciphertext and tag. */
apr_status_t threads_seal(apr_pool_t *p, const threads_key_t *key,
                          const char *label, const char *plaintext,
                          apr_size_t len, char **sealed);

/* Opens a sealed value with the first of keys[0..nkeys) that fits.
 * APR_EINVAL for anything that does not open; the result is
 * NUL-terminated. */
apr_status_t threads_unseal(apr_pool_t *p, const threads_key_t *const *keys,
                            int nkeys, const char *label, const char *sealed,
                            char **plaintext, apr_size_t *len);

/* The bytes of a fingerprint. */
#define THREADS_FINGERPRINT_LEN 16

/* The first THREADS_FINGERPRINT_LEN bytes of SHA-256 of s: names a token
 * in the server's tables and stores without keeping the token. */
apr_status_t threads_fingerprint(const char *s,
                                 unsigned char out[THREADS_FINGERPRINT_LEN]);

/* Characters a sealed value of a plaintext of len bytes takes. */
apr_size_t threads_sealed_length(apr_size_t len);

#endif /* THREADS_CORE_SEAL_H */
