/* test_seal.c: key derivation and AES-256-GCM sealed values. */
#include <pthread.h>
#include <string.h>

#include "apr_strings.h"

#include "core/codec.h"
#include "core/seal.h"
#include "unit.h"

#define SECRET     "correct horse battery staple"
#define OLD_SECRET "an older secret"

/* The app the keys are bound to. */
#define APP_ID "990602627938098"

/* HKDF-SHA256(SECRET, salt "mod_threads_oauth",
 * info "session seal v2 app=" APP_ID), computed independently of
 * OpenSSL. */
static const char secret_key_hex[] =
    "9b489e8c6b139513f1d8b992ce900ce033107210cdf5276ec7b50b1d3249cfe9";
/* The same without an app: info "session seal v2 app=". */
static const char no_context_key_hex[] =
    "ec4bcff6617c17527bc8dc89595b8a066b59a1a53e26a72b3490104c7cc54130";

/* "hello, threads" sealed under that key with nonce 01..0c and label
 * "threads_token", made with another AES-GCM implementation. */
static const char known_sealed[] =
    "AQECAwQFBgcICQoLDK4RzR8WZjxkalKml9YP-eXXmmLzQTf2aFBsPC9DWg";

/* The key derived from a secret, failing the test when derivation fails. */
static threads_key_t key_of(const char *secret)
{
    threads_key_t k;

    ck_assert_int_eq(threads_key_derive(secret, strlen(secret), APP_ID, &k),
                     APR_SUCCESS);
    return k;
}

/* Seals text under key and label, failing the test on error. */
static char *seal_text(const threads_key_t *key, const char *label,
                       const char *text)
{
    char *sealed = NULL;

    ck_assert_int_eq(
        threads_seal(unit_pool, key, label, text, strlen(text), &sealed),
        APR_SUCCESS);
    ck_assert_ptr_nonnull(sealed);
    return sealed;
}

/* Opens sealed with one key; returns the status. */
static apr_status_t open_with(const threads_key_t *key, const char *label,
                              const char *sealed, char **out)
{
    const threads_key_t *keys[1];

    keys[0] = key;
    return threads_unseal(unit_pool, keys, 1, label, sealed, out, NULL);
}

/* The key in hex, for comparing with the known answers. */
static const char *key_hex(const threads_key_t *k)
{
    char *hex = apr_palloc(unit_pool, 2 * THREADS_KEY_LEN + 1);
    int i;

    for (i = 0; i < THREADS_KEY_LEN; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", k->bytes[i]);
    }
    return hex;
}

/* The derived key matches an independent HKDF computation. */
START_TEST(derive_known_answer)
{
    threads_key_t k = key_of(SECRET), n;

    ck_assert_str_eq(key_hex(&k), secret_key_hex);
    ck_assert_int_eq(threads_key_derive(SECRET, strlen(SECRET), NULL, &n),
                     APR_SUCCESS);
    ck_assert_str_eq(key_hex(&n), no_context_key_hex);
    ck_assert_int_eq(threads_key_derive(SECRET, strlen(SECRET), "", &n),
                     APR_SUCCESS);
    ck_assert_str_eq(key_hex(&n), no_context_key_hex);
}
END_TEST

/* One secret gives each app a key of its own, so a value sealed for one
 * app never opens for another. */
START_TEST(derive_bound_to_app)
{
    threads_key_t a = key_of(SECRET), other;
    const threads_key_t *keys[1];
    char *sealed = seal_text(&a, "threads.token", "v=1");
    char *out = NULL;

    ck_assert_int_eq(
        threads_key_derive(SECRET, strlen(SECRET), "1234567890", &other),
        APR_SUCCESS);
    ck_assert(memcmp(a.bytes, other.bytes, THREADS_KEY_LEN) != 0);
    keys[0] = &other;
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 1, "threads.token", sealed, &out, NULL),
        APR_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(
        threads_key_derive(SECRET, strlen(SECRET),
                           apr_pstrcat(unit_pool, "12345678901234567890",
                                       "12345678901234567890",
                                       "12345678901234567890", "12345", NULL),
                           &other),
        APR_EINVAL);
}
END_TEST

/* Same secret, same key; other secret, other key; empty refused. */
START_TEST(derive_cases)
{
    threads_key_t a = key_of(SECRET), b = key_of(SECRET);
    threads_key_t c = key_of(OLD_SECRET), d;

    ck_assert(memcmp(a.bytes, b.bytes, THREADS_KEY_LEN) == 0);
    ck_assert(memcmp(a.bytes, c.bytes, THREADS_KEY_LEN) != 0);
    /* Only len bytes of the secret count. */
    ck_assert_int_eq(
        threads_key_derive(SECRET "tail", strlen(SECRET), APP_ID, &d),
        APR_SUCCESS);
    ck_assert(memcmp(a.bytes, d.bytes, THREADS_KEY_LEN) == 0);
    ck_assert_int_eq(threads_key_derive("", 0, APP_ID, &d), APR_EINVAL);
    ck_assert_int_eq(threads_key_derive(NULL, 4, APP_ID, &d), APR_EINVAL);
}
END_TEST

/* A value sealed by another AES-GCM implementation opens. */
START_TEST(open_known_value)
{
    threads_key_t k = key_of(SECRET);
    char *out = NULL;
    apr_size_t len = 0;
    const threads_key_t *keys[1];

    keys[0] = &k;
    ck_assert_int_eq(threads_unseal(unit_pool, keys, 1, "threads_token",
                                    known_sealed, &out, &len),
                     APR_SUCCESS);
    ck_assert_str_eq(out, "hello, threads");
    ck_assert_uint_eq(len, 14);
}
END_TEST

/* A sealed value is base64url of the stated length and opens. */
START_TEST(round_trip)
{
    threads_key_t k = key_of(SECRET);
    const char *text = "v=1&t=EAAB%20token&u=17841405793187218";
    char *sealed = seal_text(&k, "threads_token", text);
    char *out = NULL;
    apr_size_t len = 0, i;
    const threads_key_t *keys[1];

    keys[0] = &k;
    ck_assert_uint_eq(strlen(sealed), threads_sealed_length(strlen(text)));
    for (i = 0; sealed[i]; i++) {
        ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-_",
                         sealed[i]) != NULL);
    }
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 1, "threads_token", sealed, &out, &len),
        APR_SUCCESS);
    ck_assert_str_eq(out, text);
    ck_assert_uint_eq(len, strlen(text));
}
END_TEST

/* Plaintexts of many lengths, empty included, survive. */
START_TEST(round_trip_sizes)
{
    threads_key_t k = key_of(SECRET);
    char text[301];
    apr_size_t n;

    memset(text, 'x', sizeof(text));
    for (n = 0; n < sizeof(text); n += 7) {
        char *sealed = NULL, *out = NULL;
        const threads_key_t *keys[1];
        apr_size_t len;

        keys[0] = &k;
        ck_assert_int_eq(threads_seal(unit_pool, &k, "l", text, n, &sealed),
                         APR_SUCCESS);
        ck_assert_uint_eq(strlen(sealed), threads_sealed_length(n));
        ck_assert_int_eq(
            threads_unseal(unit_pool, keys, 1, "l", sealed, &out, &len),
            APR_SUCCESS);
        ck_assert_uint_eq(len, n);
        ck_assert_uint_eq(strlen(out), n);
        ck_assert(memcmp(out, text, n) == 0);
    }
    /* Version, nonce, tag: 29 bytes, 39 characters. */
    ck_assert_uint_eq(threads_sealed_length(0), 39);
    ck_assert_uint_eq(threads_sealed_length(1), 40);
    ck_assert_uint_eq(threads_sealed_length(2), 42);
}
END_TEST

/* Another key does not open a value. */
START_TEST(wrong_key_fails)
{
    threads_key_t k = key_of(SECRET), other = key_of(OLD_SECRET);
    char *sealed = seal_text(&k, "threads_token", "secret value");
    char *out = (char *)"unset";

    ck_assert_int_eq(open_with(&other, "threads_token", sealed, &out),
                     APR_EINVAL);
    ck_assert_ptr_null(out);
}
END_TEST

/* A rotated-out key still opens from second place. */
START_TEST(old_key_second_opens)
{
    threads_key_t current = key_of(SECRET), old = key_of(OLD_SECRET);
    threads_key_t stranger = key_of("someone else");
    char *by_old = seal_text(&old, "threads_token", "sealed before rotation");
    char *by_new = seal_text(&current, "threads_token", "sealed after");
    const threads_key_t *keys[2];
    const threads_key_t *with_gap[3];
    char *out = NULL;

    keys[0] = &current;
    keys[1] = &old;
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 2, "threads_token", by_old, &out, NULL),
        APR_SUCCESS);
    ck_assert_str_eq(out, "sealed before rotation");
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 2, "threads_token", by_new, &out, NULL),
        APR_SUCCESS);
    ck_assert_str_eq(out, "sealed after");
    /* Only the keys given count. */
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 1, "threads_token", by_old, &out, NULL),
        APR_EINVAL);
    keys[1] = &stranger;
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 2, "threads_token", by_old, &out, NULL),
        APR_EINVAL);
    /* A missing key in the list is skipped. */
    with_gap[0] = &stranger;
    with_gap[1] = NULL;
    with_gap[2] = &old;
    ck_assert_int_eq(threads_unseal(unit_pool, with_gap, 3, "threads_token",
                                    by_old, &out, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(
        threads_unseal(unit_pool, keys, 0, "threads_token", by_old, &out, NULL),
        APR_EINVAL);
}
END_TEST

/* Any single flipped bit makes the value not open. */
START_TEST(flipped_bit_fails)
{
    threads_key_t k = key_of(SECRET);
    char *sealed = seal_text(&k, "threads_token", "flip me if you can");
    unsigned char *raw;
    apr_size_t raw_len, i;
    int bit;

    ck_assert_int_eq(
        threads_base64url_decode(unit_pool, sealed, &raw, &raw_len),
        APR_SUCCESS);
    for (i = 0; i < raw_len; i++) {
        for (bit = 0; bit < 8; bit++) {
            char *out = NULL;
            char *tampered;

            raw[i] ^= (unsigned char)(1 << bit);
            tampered = threads_base64url_encode(unit_pool, raw, raw_len);
            ck_assert_msg(
                open_with(&k, "threads_token", tampered, &out) == APR_EINVAL,
                "byte %lu bit %d flipped still opens", (unsigned long)i, bit);
            ck_assert_ptr_null(out);
            raw[i] ^= (unsigned char)(1 << bit);
        }
    }
    /* Restored, it opens again. */
    {
        char *out = NULL;

        ck_assert_int_eq(
            open_with(&k, "threads_token",
                      threads_base64url_encode(unit_pool, raw, raw_len), &out),
            APR_SUCCESS);
        ck_assert_str_eq(out, "flip me if you can");
    }
}
END_TEST

/* Any changed character makes the value not open. */
START_TEST(changed_character_fails)
{
    threads_key_t k = key_of(SECRET);
    char *sealed = seal_text(&k, "threads_token", "some text");
    apr_size_t i, len = strlen(sealed);

    for (i = 0; i < len; i++) {
        char *copy = apr_pstrdup(unit_pool, sealed);
        char *out = NULL;

        copy[i] = copy[i] == 'A' ? 'B' : 'A';
        ck_assert_msg(open_with(&k, "threads_token", copy, &out) == APR_EINVAL,
                      "character %lu changed still opens", (unsigned long)i);
        copy[i] = '=';
        ck_assert_int_eq(open_with(&k, "threads_token", copy, &out),
                         APR_EINVAL);
    }
}
END_TEST

/* Every prefix, and anything appended, fails. */
START_TEST(truncation_fails)
{
    threads_key_t k = key_of(SECRET);
    char *sealed = seal_text(&k, "threads_token", "cut me short");
    apr_size_t n, len = strlen(sealed);
    char *out = NULL;

    for (n = 0; n < len; n++) {

        ck_assert_msg(open_with(&k, "threads_token",
                                apr_pstrndup(unit_pool, sealed, n),
                                &out) == APR_EINVAL,
                      "prefix of %lu characters opens", (unsigned long)n);
    }
    ck_assert_int_eq(
        open_with(&k, "threads_token",
                  apr_pstrcat(unit_pool, sealed, "A", (char *)NULL), &out),
        APR_EINVAL);
    ck_assert_int_eq(
        open_with(&k, "threads_token",
                  apr_pstrcat(unit_pool, sealed, "AAAA", (char *)NULL), &out),
        APR_EINVAL);
}
END_TEST

/* A value sealed for one entry does not open as another. */
START_TEST(label_is_bound)
{
    threads_key_t k = key_of(SECRET);
    char *sealed = seal_text(&k, "threads_token", "belongs to the token");
    char *out = NULL;

    ck_assert_int_eq(open_with(&k, "threads_pending", sealed, &out),
                     APR_EINVAL);
    ck_assert_int_eq(open_with(&k, "threads_token2", sealed, &out), APR_EINVAL);
    ck_assert_int_eq(open_with(&k, "", sealed, &out), APR_EINVAL);
    ck_assert_int_eq(open_with(&k, "threads_token", sealed, &out), APR_SUCCESS);
    ck_assert_str_eq(out, "belongs to the token");
}
END_TEST

/* Two seals of one text differ in their nonces. */
START_TEST(nonce_is_fresh)
{
    threads_key_t k = key_of(SECRET);
    char *a = seal_text(&k, "threads_token", "same text");
    char *b = seal_text(&k, "threads_token", "same text");
    unsigned char *ra, *rb;
    apr_size_t la, lb;

    ck_assert_str_ne(a, b);
    ck_assert_int_eq(threads_base64url_decode(unit_pool, a, &ra, &la),
                     APR_SUCCESS);
    ck_assert_int_eq(threads_base64url_decode(unit_pool, b, &rb, &lb),
                     APR_SUCCESS);
    ck_assert_int_eq(ra[0], 0x01);
    ck_assert(memcmp(ra + 1, rb + 1, 12) != 0);
}
END_TEST

/* Text that was never sealed fails without a crash. */
START_TEST(garbage_fails)
{
    static const char *const bad[] = {"",
                                      "A",
                                      "AQ",
                                      "!!!!",
                                      "AQECAwQFBgcICQoLDA==",
                                      "not a sealed value",
                                      "AQECAwQFBgcICQoLDAECAwQFBgcICQoLDA0ODxA",
                                      NULL};
    threads_key_t k = key_of(SECRET);
    char *out = NULL;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(open_with(&k, "threads_token", bad[i], &out) ==
                          APR_EINVAL,
                      "'%s' opens", bad[i]);
    }
    ck_assert_int_eq(open_with(&k, "threads_token", NULL, &out), APR_EINVAL);
}
END_TEST

/* An unknown version byte is refused. */
START_TEST(version_byte_checked)
{
    threads_key_t k = key_of(SECRET);
    unsigned char *raw;
    apr_size_t raw_len;
    char *out = NULL;

    ck_assert_int_eq(
        threads_base64url_decode(unit_pool, known_sealed, &raw, &raw_len),
        APR_SUCCESS);
    raw[0] = 0x02;
    ck_assert_int_eq(
        open_with(&k, "threads_token",
                  threads_base64url_encode(unit_pool, raw, raw_len), &out),
        APR_EINVAL);
}
END_TEST

/* A plaintext with a NUL inside is refused on opening. */
START_TEST(embedded_nul_rejected)
{
    threads_key_t k = key_of(SECRET);
    char *sealed = NULL, *out = NULL;

    ck_assert_int_eq(threads_seal(unit_pool, &k, "l", "a\0b", 3, &sealed),
                     APR_SUCCESS);
    ck_assert_int_eq(open_with(&k, "l", sealed, &out), APR_EINVAL);
    ck_assert_ptr_null(out);
}
END_TEST

/* One thread's share of the concurrency test: seal and open in a loop. */
static void *seal_worker(void *arg)
{
    const threads_key_t *key = arg;
    apr_pool_t *p;
    long failures = 0;
    int i;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    for (i = 0; i < 200; i++) {
        char *text = apr_psprintf(p, "value %d", i);
        char *sealed = NULL, *out = NULL;
        const threads_key_t *keys[1];

        keys[0] = key;
        if (threads_seal(p, key, "t", text, strlen(text), &sealed) !=
                APR_SUCCESS ||
            threads_unseal(p, keys, 1, "t", sealed, &out, NULL) !=
                APR_SUCCESS ||
            strcmp(out, text) != 0) {
            failures++;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    return (void *)failures;
}

/* Sealing and opening from several threads at once. */
START_TEST(threads_at_once)
{
    threads_key_t k = key_of(SECRET);
    pthread_t tid[4];
    int i;

    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(pthread_create(&tid[i], NULL, seal_worker, &k), 0);
    }
    for (i = 0; i < 4; i++) {
        void *failures = NULL;

        ck_assert_int_eq(pthread_join(tid[i], &failures), 0);
        ck_assert_ptr_null(failures);
    }
}
END_TEST

/* The suite of threads_seal.c. */
Suite *threads_seal_suite(void)
{
    Suite *s = suite_create("seal");
    TCase *tc;

    tc = tcase_create("key");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, derive_known_answer);
    tcase_add_test(tc, derive_bound_to_app);
    tcase_add_test(tc, derive_cases);
    suite_add_tcase(s, tc);

    tc = tcase_create("seal");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, open_known_value);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, round_trip_sizes);
    tcase_add_test(tc, wrong_key_fails);
    tcase_add_test(tc, old_key_second_opens);
    tcase_add_test(tc, flipped_bit_fails);
    tcase_add_test(tc, changed_character_fails);
    tcase_add_test(tc, truncation_fails);
    tcase_add_test(tc, label_is_bound);
    tcase_add_test(tc, nonce_is_fresh);
    tcase_add_test(tc, garbage_fails);
    tcase_add_test(tc, version_byte_checked);
    tcase_add_test(tc, embedded_nul_rejected);
    tcase_add_test(tc, threads_at_once);
    suite_add_tcase(s, tc);
    return s;
}
