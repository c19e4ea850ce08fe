/* test_codec.c: percent-encoding, base64url and the constant-time comparison
 * (src/core/codec.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/codec.h"
#include "core/text.h"
#include "unit.h"

/* Decodes all of s, for tests that feed whole strings. */
static apr_status_t decode_all(const char *s, char **out)
{
    return threads_url_decode(unit_pool, s, strlen(s), out);
}

/* Everything but the unreserved characters is escaped, in upper-case hex. */
START_TEST(url_encode_exact)
{
    ck_assert_str_eq(threads_url_encode(unit_pool, "a b&c=d/\xc3\xa9~-._Z9"),
                     "a%20b%26c%3Dd%2F%C3%A9~-._Z9");
    ck_assert_str_eq(threads_url_encode(unit_pool, "+%#?"), "%2B%25%23%3F");
    ck_assert_str_eq(threads_url_encode(unit_pool, "https://x.example/cb/?a=b"),
                     "https%3A%2F%2Fx.example%2Fcb%2F%3Fa%3Db");
    ck_assert_str_eq(threads_url_encode(unit_pool, ""), "");
    ck_assert_str_eq(threads_url_encode(unit_pool, NULL), "");
}
END_TEST

/* %XX and '+' decode; only the given length is read. */
START_TEST(url_decode_exact)
{
    char *out;

    ck_assert_int_eq(decode_all("a+b%20c%2Fd%2f", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "a b c/d/");
    ck_assert_int_eq(decode_all("AQBx-hBsH3%23_", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "AQBx-hBsH3#_");
    ck_assert_int_eq(decode_all("", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "");
    /* Only len bytes are read. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "abc%zz", 3, &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out, "abc");
    /* An escape cut by len is incomplete. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "ab%41", 4, &out),
                     APR_EINVAL);
}
END_TEST

/* Bad or cut escapes and NUL, encoded or raw, are refused. */
START_TEST(url_decode_rejects)
{
    static const char *const bad[] = {"%",   "%4",  "a%",   "%zz",
                                      "%4g", "%g4", "%00",  "a%00b",
                                      "%-1", "% 1", "%%41", NULL};
    char *out;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        out = (char *)"unset";
        ck_assert_msg(decode_all(bad[i], &out) == APR_EINVAL, "'%s' decoded",
                      bad[i]);
        ck_assert_ptr_null(out);
    }
    /* A raw NUL inside the given length. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "a\0b", 3, &out),
                     APR_EINVAL);
}
END_TEST

/* Every byte but NUL survives encode then decode. */
START_TEST(url_round_trip_all_bytes)
{
    char in[256];
    char *enc, *dec;
    int i;

    for (i = 1; i < 256; i++) {
        in[i - 1] = (char)i;
    }
    in[255] = '\0';
    enc = threads_url_encode(unit_pool, in);
    for (i = 0; enc[i]; i++) {
        ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-._~%",
                         enc[i]) != NULL);
    }
    ck_assert_int_eq(decode_all(enc, &dec), APR_SUCCESS);
    ck_assert_str_eq(dec, in);
}
END_TEST

/* RFC 4648's test vectors in the URL-safe alphabet, unpadded. */
START_TEST(base64url_vectors)
{
    static const char *const plain[] = {"",     "f",     "fo",     "foo",
                                        "foob", "fooba", "foobar", NULL};
    static const char *const coded[] = {"",       "Zg",      "Zm8",      "Zm9v",
                                        "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", NULL};
    static const unsigned char url_bytes[] = {0xfb, 0xff, 0xbf};
    unsigned char *out;
    apr_size_t len;
    int i;

    for (i = 0; plain[i] != NULL; i++) {
        ck_assert_str_eq(
            threads_base64url_encode(unit_pool, (const unsigned char *)plain[i],
                                     strlen(plain[i])),
            coded[i]);
        ck_assert_int_eq(
            threads_base64url_decode(unit_pool, coded[i], &out, &len),
            APR_SUCCESS);
        ck_assert_uint_eq(len, strlen(plain[i]));
        ck_assert(memcmp(out, plain[i], len) == 0);
    }
    ck_assert_str_eq(threads_base64url_encode(unit_pool, url_bytes, 3), "-_-_");
    ck_assert_str_eq(threads_base64url_encode(unit_pool, url_bytes, 2), "-_8");
}
END_TEST

/* Padding, foreign characters, bad lengths and set spare bits fail. */
START_TEST(base64url_strict)
{
    static const char *const bad[] = {
        "Zg==",  "Zm8=",  "Z",      "Zm9vY", "Zh",    "Zm9", "Zm9v+",
        "Zm9v/", "Zm 9v", "Zm9v\n", "=",     "Zm9v!", NULL};
    unsigned char *out;
    apr_size_t len;
    int i;

    /* "Zm9" is "fo" with a trailing bit set: Zm8 is the only spelling. */
    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(threads_base64url_decode(unit_pool, bad[i], &out, &len) ==
                          APR_EINVAL,
                      "'%s' decoded", bad[i]);
    }
    ck_assert_int_eq(threads_base64url_decode(unit_pool, NULL, &out, &len),
                     APR_EINVAL);
}
END_TEST

/* The plain way to decode, one character at a time, for comparison:
 * 1 when s is valid, its bytes in out. */
static int reference_decode(const char *s, unsigned char *out, apr_size_t *n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned long acc = 0;
    int bits = 0;

    *n = 0;
    if (strlen(s) % 4 == 1) {
        return 0;
    }
    for (; *s; s++) {
        const char *at = memchr(alphabet, *s, 64);

        if (at == NULL) {
            return 0;
        }
        acc = ((acc << 6) | (unsigned long)(at - alphabet)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[(*n)++] = (unsigned char)(acc >> bits);
        }
    }
    return bits == 0 || (acc & ((1UL << bits) - 1)) == 0;
}

/* Every byte at every place of a whole group and of both tails: the
 * decoder accepts exactly what the plain way accepts, with its bytes. */
START_TEST(base64url_every_character)
{
    static const char *const base[] = {"Zm9vYmFy", "Zm9vYg", "Zm9vYmE"};
    unsigned char want[16], *out;
    apr_size_t want_len, len;
    int b, c;
    apr_size_t at;

    for (b = 0; b < 3; b++) {
        for (at = 0; at < strlen(base[b]); at++) {
            for (c = 1; c < 256; c++) {
                char *s = apr_pstrdup(unit_pool, base[b]);
                int ok;

                s[at] = (char)c;
                ok = reference_decode(s, want, &want_len);
                ck_assert_msg(
                    (threads_base64url_decode(unit_pool, s, &out, &len) ==
                     APR_SUCCESS) == ok,
                    "'%s': decoder and reference disagree", s);
                if (ok) {
                    ck_assert_uint_eq(len, want_len);
                    ck_assert(memcmp(out, want, len) == 0);
                }
            }
        }
    }
}
END_TEST

/* Every length from 0 to 64 bytes survives encode then decode. */
START_TEST(base64url_round_trip)
{
    unsigned char data[64];
    unsigned char *out;
    apr_size_t n, len, i;

    for (i = 0; i < sizeof(data); i++) {
        data[i] = (unsigned char)(i * 37 + 11);
    }
    for (n = 0; n <= sizeof(data); n++) {
        char *s = threads_base64url_encode(unit_pool, data, n);

        ck_assert_uint_eq(strlen(s), (n * 4 + 2) / 3);
        ck_assert_int_eq(threads_base64url_decode(unit_pool, s, &out, &len),
                         APR_SUCCESS);
        ck_assert_uint_eq(len, n);
        ck_assert(memcmp(out, data, n) == 0);
    }
}
END_TEST

/* Equality, prefixes, empty strings and NULL. */
START_TEST(const_eq_cases)
{
    ck_assert_int_eq(threads_const_eq("abc", "abc"), 1);
    ck_assert_int_eq(threads_const_eq("", ""), 1);
    ck_assert_int_eq(threads_const_eq("abc", "abd"), 0);
    ck_assert_int_eq(threads_const_eq("abc", "ab"), 0);
    ck_assert_int_eq(threads_const_eq("ab", "abc"), 0);
    ck_assert_int_eq(threads_const_eq("", "a"), 0);
    ck_assert_int_eq(threads_const_eq("a", ""), 0);
    ck_assert_int_eq(threads_const_eq("Abc", "abc"), 0);
    ck_assert_int_eq(threads_const_eq(NULL, "a"), 0);
    ck_assert_int_eq(threads_const_eq("a", NULL), 0);
    ck_assert_int_eq(threads_const_eq(NULL, NULL), 0);
}
END_TEST

START_TEST(fnv1a_vectors)
{
    /* The published FNV-1a 32-bit test vectors. */
    ck_assert_uint_eq(threads_fnv1a("", 0), 0x811c9dc5u);
    ck_assert_uint_eq(threads_fnv1a("a", 1), 0xe40c292cu);
    ck_assert_uint_eq(threads_fnv1a("foobar", 6), 0xbf9cf968u);
}
END_TEST

START_TEST(random_base64url_lengths_and_alphabet)
{
    char *a = NULL, *b = NULL;
    apr_size_t i;

    ck_assert_int_eq(threads_random_base64url(unit_pool, 24, &a), APR_SUCCESS);
    ck_assert_int_eq(threads_random_base64url(unit_pool, 24, &b), APR_SUCCESS);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_str_ne(a, b);
    for (i = 0; a[i]; i++) {
        ck_assert_int_ge(threads_text_b64url_value((unsigned char)a[i]), 0);
    }
    ck_assert_int_eq(threads_random_base64url(unit_pool, 12, &a), APR_SUCCESS);
    ck_assert_uint_eq(strlen(a), 16);
    ck_assert_int_eq(threads_random_base64url(unit_pool, 65, &a), APR_EGENERAL);
    ck_assert_ptr_null(a);
}
END_TEST

/* The suite of src/core/codec.c. */
Suite *threads_codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("codec");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, url_encode_exact);
    tcase_add_test(tc, url_decode_exact);
    tcase_add_test(tc, url_decode_rejects);
    tcase_add_test(tc, url_round_trip_all_bytes);
    tcase_add_test(tc, base64url_vectors);
    tcase_add_test(tc, base64url_strict);
    tcase_add_test(tc, base64url_every_character);
    tcase_add_test(tc, base64url_round_trip);
    tcase_add_test(tc, const_eq_cases);
    tcase_add_test(tc, random_base64url_lengths_and_alphabet);
    tcase_add_test(tc, fnv1a_vectors);
    suite_add_tcase(s, tc);
    return s;
}
