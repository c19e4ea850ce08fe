/*
 * signed.c: verifying Meta's signed_request (signed.h).
 *
 * The signature is checked before the payload is parsed: nothing of an
 * unsigned body reaches the JSON reader.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "apr_strings.h"

#include "core/codec.h"
#include "core/signed.h"

#define THREADS_SIGNED_MAC_LEN 32

apr_status_t threads_signed_request_verify(apr_pool_t *p,
                                           const char *signed_request,
                                           const char *secret,
                                           threads_signed_payload_t *out,
                                           const char **problem)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned char *sig, *payload;
    apr_size_t sig_len, payload_len;
    const char *dot, *payload_text;

    memset(out, 0, sizeof(*out));
    *problem = NULL;
    if (signed_request == NULL || secret == NULL ||
        strlen(signed_request) > THREADS_SIGNED_REQUEST_MAX) {
        *problem = "missing or too long";
        return APR_EINVAL;
    }
    dot = strchr(signed_request, '.');
    if (dot == NULL || strchr(dot + 1, '.') != NULL) {
        *problem = "not <signature>.<payload>";
        return APR_EINVAL;
    }
    payload_text = dot + 1;
    if (threads_base64url_decode_padded(
            p, apr_pstrmemdup(p, signed_request, dot - signed_request), &sig,
            &sig_len) != APR_SUCCESS ||
        sig_len != THREADS_SIGNED_MAC_LEN) {
        *problem = "the signature is not 32 bytes of base64url";
        return APR_EINVAL;
    }
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret),
             (const unsigned char *)payload_text, strlen(payload_text), mac,
             &mac_len) == NULL ||
        mac_len != THREADS_SIGNED_MAC_LEN ||
        CRYPTO_memcmp(mac, sig, THREADS_SIGNED_MAC_LEN) != 0) {
        OPENSSL_cleanse(mac, sizeof(mac));
        *problem = "bad signature";
        return APR_EINVAL;
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    if (threads_base64url_decode_padded(p, payload_text, &payload,
                                        &payload_len) != APR_SUCCESS) {
        *problem = "the payload is not base64url";
        return APR_EINVAL;
    }
    *problem = threads_json_parse_signed_payload(p, (const char *)payload,
                                                 payload_len, out);
    if (*problem == NULL && strcasecmp(out->algorithm, "HMAC-SHA256") != 0) {
        *problem = "another algorithm than HMAC-SHA256";
    }
    if (*problem != NULL) {
        memset(out, 0, sizeof(*out));
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}
