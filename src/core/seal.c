/*
 * seal.c: the session key and AES-256-GCM sealed values.
 *
 * Every call builds its own EVP context and keeps no state between calls,
 * so these functions are safe from any number of threads at once. The
 * cipher itself is fetched once (threads_seal_init, before any thread
 * runs): OpenSSL 3 otherwise looks it up by name, under a lock, in every
 * call, and sealed values are opened on every request.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "apr_general.h"
#include "apr_strings.h"

#include "core/codec.h"
#include "core/seal.h"

#define THREADS_SEAL_VERSION 0x01
#define THREADS_SEAL_NONCE   12
#define THREADS_SEAL_TAG     16
/* Version byte, nonce and tag: what a sealed empty value holds. */
#define THREADS_SEAL_OVERHEAD (1 + THREADS_SEAL_NONCE + THREADS_SEAL_TAG)

/* AES-256-GCM as fetched by threads_seal_init; NULL before (unit tests,
 * fuzzers), when each call uses OpenSSL's built-in one. */
static EVP_CIPHER *threads_seal_cipher;

static apr_status_t threads_seal_cleanup(void *data)
{
    EVP_CIPHER_free(threads_seal_cipher);
    threads_seal_cipher = NULL;
    return APR_SUCCESS;
}

apr_status_t threads_seal_init(apr_pool_t *pool)
{
    if (threads_seal_cipher != NULL) {
        return APR_SUCCESS;
    }
    threads_seal_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (threads_seal_cipher == NULL) {
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(pool, NULL, threads_seal_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

/* The cipher of every sealed value. */
static const EVP_CIPHER *threads_seal_aes(void)
{
    return threads_seal_cipher != NULL ? threads_seal_cipher
                                       : EVP_aes_256_gcm();
}

static const char threads_hkdf_salt[] = "mod_threads_oauth";
/* The info of the derivation: this prefix, then the context (the app id),
 * so a key serves one app only. */
static const char threads_hkdf_info_prefix[] = "session seal v2 app=";
/* The longest context taken (an app id is at most 32 digits). */
#define THREADS_KEY_CONTEXT_MAX 64

/* Derives the sealing key from the configured secret with HKDF-SHA256. */
apr_status_t threads_key_derive(const char *secret, apr_size_t len,
                                const char *context, threads_key_t *key)
{
    EVP_KDF *kdf;
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[5];
    char info[sizeof(threads_hkdf_info_prefix) + THREADS_KEY_CONTEXT_MAX];
    apr_size_t prefix_len = sizeof(threads_hkdf_info_prefix) - 1;
    apr_size_t context_len = context != NULL ? strlen(context) : 0;
    apr_status_t rv = APR_EGENERAL;

    if (secret == NULL || len == 0 || key == NULL ||
        context_len > THREADS_KEY_CONTEXT_MAX) {
        return APR_EINVAL;
    }
    memcpy(info, threads_hkdf_info_prefix, prefix_len);
    if (context_len > 0) {
        memcpy(info + prefix_len, context, context_len);
    }
    kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
    if (kdf == NULL) {
        return APR_EGENERAL;
    }
    kctx = EVP_KDF_CTX_new(kdf);
    EVP_KDF_free(kdf);
    if (kctx == NULL) {
        return APR_EGENERAL;
    }
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *)secret, len);
    params[2] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, (void *)threads_hkdf_salt,
        sizeof(threads_hkdf_salt) - 1);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
                                                  prefix_len + context_len);
    params[4] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, key->bytes, sizeof(key->bytes), params) == 1) {
        rv = APR_SUCCESS;
    }
    else {
        OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
    }
    /* Frees and wipes the context's copy of the secret. */
    EVP_KDF_CTX_free(kctx);
    return rv;
}

apr_status_t threads_fingerprint(const char *s,
                                 unsigned char out[THREADS_FINGERPRINT_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    if (s == NULL ||
        EVP_Digest(s, strlen(s), md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len < THREADS_FINGERPRINT_LEN) {
        return APR_EGENERAL;
    }
    memcpy(out, md, THREADS_FINGERPRINT_LEN);
    return APR_SUCCESS;
}

/* Characters of the unpadded base64url form of len bytes. */
static apr_size_t threads_b64url_length(apr_size_t len)
{
    return (len / 3) * 4 + (len % 3 ? len % 3 + 1 : 0);
}

/* Characters a sealed value of len plaintext bytes takes. */
apr_size_t threads_sealed_length(apr_size_t len)
{
    return threads_b64url_length(THREADS_SEAL_OVERHEAD + len);
}

/* Seals plaintext: version byte, fresh nonce, ciphertext and tag, with the
 * label bound as associated data. */
apr_status_t threads_seal(apr_pool_t *p, const threads_key_t *key,
                          const char *label, const char *plaintext,
                          apr_size_t len, char **sealed)
{
    EVP_CIPHER_CTX *ctx = NULL;
    unsigned char *raw, *nonce, *ct;
    int outl, total;
    apr_status_t rv = APR_EGENERAL;

    *sealed = NULL;
    if (key == NULL || (plaintext == NULL && len > 0) ||
        len > (apr_size_t)(INT_MAX - THREADS_SEAL_OVERHEAD)) {
        return APR_EINVAL;
    }
    if (label == NULL) {
        label = "";
    }
    raw = apr_palloc(p, THREADS_SEAL_OVERHEAD + len);
    raw[0] = THREADS_SEAL_VERSION;
    nonce = raw + 1;
    ct = nonce + THREADS_SEAL_NONCE;
    if (apr_generate_random_bytes(nonce, THREADS_SEAL_NONCE) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return APR_ENOMEM;
    }
    /* GCM's default nonce length is THREADS_SEAL_NONCE (96 bits). */
    if (EVP_EncryptInit_ex2(ctx, threads_seal_aes(), key->bytes, nonce, NULL) !=
            1 ||
        EVP_EncryptUpdate(ctx, NULL, &outl, (const unsigned char *)label,
                          (int)strlen(label)) != 1) {
        goto end;
    }
    total = 0;
    if (len > 0) {
        if (EVP_EncryptUpdate(ctx, ct, &outl, (const unsigned char *)plaintext,
                              (int)len) != 1) {
            goto end;
        }
        total = outl;
    }
    if (EVP_EncryptFinal_ex(ctx, ct + total, &outl) != 1) {
        goto end;
    }
    total += outl;
    if ((apr_size_t)total != len ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, THREADS_SEAL_TAG,
                            ct + len) != 1) {
        goto end;
    }
    *sealed = threads_base64url_encode(p, raw, THREADS_SEAL_OVERHEAD + len);
    rv = APR_SUCCESS;
end:
    EVP_CIPHER_CTX_free(ctx);
    return rv;
}

/* Opens ct (ctlen bytes) with one key into out; 1 when the tag matched.
 * On a mismatch the unauthenticated output is wiped. */
static int threads_open_with(const threads_key_t *key, const char *label,
                             const unsigned char *nonce,
                             const unsigned char *ct, int ctlen,
                             const unsigned char *tag, unsigned char *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int outl, total = 0, ok = 0;

    if (ctx == NULL) {
        return 0;
    }
    if (EVP_DecryptInit_ex2(ctx, threads_seal_aes(), key->bytes, nonce, NULL) !=
            1 ||
        EVP_DecryptUpdate(ctx, NULL, &outl, (const unsigned char *)label,
                          (int)strlen(label)) != 1) {
        goto end;
    }
    if (ctlen > 0) {
        if (EVP_DecryptUpdate(ctx, out, &outl, ct, ctlen) != 1) {
            goto end;
        }
        total = outl;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, THREADS_SEAL_TAG,
                            (void *)tag) != 1 ||
        EVP_DecryptFinal_ex(ctx, out + total, &outl) != 1) {
        goto end;
    }
    ok = total + outl == ctlen;
end:
    if (!ok && ctlen > 0) {
        OPENSSL_cleanse(out, (size_t)ctlen);
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* Opens a sealed value with the first key that fits; anything else is
 * APR_EINVAL, so callers treat it as "no value". */
apr_status_t threads_unseal(apr_pool_t *p, const threads_key_t *const *keys,
                            int nkeys, const char *label, const char *sealed,
                            char **plaintext, apr_size_t *len)
{
    unsigned char *raw, *out;
    apr_size_t raw_len, ctlen;
    int i;

    *plaintext = NULL;
    if (len != NULL) {
        *len = 0;
    }
    if (keys == NULL || nkeys <= 0 || sealed == NULL) {
        return APR_EINVAL;
    }
    if (label == NULL) {
        label = "";
    }
    if (threads_base64url_decode(p, sealed, &raw, &raw_len) != APR_SUCCESS ||
        raw_len < THREADS_SEAL_OVERHEAD ||
        raw_len - THREADS_SEAL_OVERHEAD > (apr_size_t)INT_MAX ||
        raw[0] != THREADS_SEAL_VERSION) {
        return APR_EINVAL;
    }
    ctlen = raw_len - THREADS_SEAL_OVERHEAD;
    out = apr_palloc(p, ctlen + 1);
    for (i = 0; i < nkeys; i++) {
        if (keys[i] == NULL) {
            continue;
        }
        if (threads_open_with(keys[i], label, raw + 1,
                              raw + 1 + THREADS_SEAL_NONCE, (int)ctlen,
                              raw + 1 + THREADS_SEAL_NONCE + ctlen, out)) {
            /* A NUL inside would cut the value short when read as text. */
            if (memchr(out, '\0', ctlen) != NULL) {
                OPENSSL_cleanse(out, ctlen);
                return APR_EINVAL;
            }
            out[ctlen] = '\0';
            *plaintext = (char *)out;
            if (len != NULL) {
                *len = ctlen;
            }
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}
