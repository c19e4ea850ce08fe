/* test_signed.c: Meta's signed_request (src/core/signed.c). The vectors
 * were signed with Python's hmac module under SECRET. */
#include <string.h>

#include "apr_strings.h"

#include "core/signed.h"
#include "unit.h"

#define SECRET "test-app-secret-5d1e77c2a9"

/* user_id as a number above 2^53, unknown fields, no padding. */
static const char numeric[] =
    "kNbR66k2FXOaJdpPBinpCFlqHb3i2qvKi__yudRc3_k."
    "eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjEyOTE4NDA0MDAsImlzc3Vl"
    "ZF9hdCI6MTI5MTgzNjgwMCwidXNlcl9pZCI6MTc4NDE0MDU3OTMxODcyMTgsImV4dHJhIjp7"
    "ImEiOlsxLDJdfX0";
/* The same payload, both parts with '=' padding (signed as sent). */
static const char numeric_padded[] =
    "0EjPkUD74orBewsrkoapfdu0Jsp6EhOm2ZYu1LLRNWM=."
    "eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImV4cGlyZXMiOjEyOTE4NDA0MDAsImlzc3Vl"
    "ZF9hdCI6MTI5MTgzNjgwMCwidXNlcl9pZCI6MTc4NDE0MDU3OTMxODcyMTgsImV4dHJhIjp7"
    "ImEiOlsxLDJdfX0=";
/* user_id as a string. */
static const char string_id[] =
    "tUSWi6P1CjrL3l-QEjsrm9o5vqU86MJJiAu8-NVBoYw."
    "eyJ1c2VyX2lkIjoiMTc4NDE0MDU3OTMxODcyMTgiLCJhbGdvcml0aG0iOiJITUFDLVNIQTI1"
    "NiIsImlzc3VlZF9hdCI6MTcwMDAwMDAwMH0";
/* Correctly signed, but another algorithm; and one without a user. */
static const char other_algorithm[] =
    "2csGWsS693KjePcH8PDa9b2yLuIUj1NycTgACQ_eWrA."
    "eyJhbGdvcml0aG0iOiJITUFDLVNIQTEiLCJ1c2VyX2lkIjoiMSJ9";
static const char no_user[] =
    "ZKCvnu8i3nadFX2WlPJwqNS14pFelTsSdToe_ax4qKs."
    "eyJhbGdvcml0aG0iOiJITUFDLVNIQTI1NiIsImlzc3VlZF9hdCI6MX0";

/* Verifies text under SECRET. */
static apr_status_t verify(const char *text, threads_signed_payload_t *out,
                           const char **problem)
{
    return threads_signed_request_verify(unit_pool, text, SECRET, out, problem);
}

/* The signed payloads Meta sends open, with or without padding. */
START_TEST(valid_requests)
{
    threads_signed_payload_t out;
    const char *problem = "unset";

    ck_assert_int_eq(verify(numeric, &out, &problem), APR_SUCCESS);
    ck_assert_ptr_null(problem);
    ck_assert_str_eq(out.user_id, "17841405793187218");
    ck_assert_str_eq(out.algorithm, "HMAC-SHA256");
    ck_assert_int_eq(out.issued_at, 1291836800);
    ck_assert_int_eq(out.expires, 1291840400);

    ck_assert_int_eq(verify(numeric_padded, &out, &problem), APR_SUCCESS);
    ck_assert_str_eq(out.user_id, "17841405793187218");

    ck_assert_int_eq(verify(string_id, &out, &problem), APR_SUCCESS);
    ck_assert_str_eq(out.user_id, "17841405793187218");
    ck_assert_int_eq(out.issued_at, 1700000000);
    ck_assert_int_eq(out.expires, 0);
}
END_TEST

/* Expects text to be refused with a problem and nothing filled in. */
static void expect_refused(const char *text, const char *secret)
{
    threads_signed_payload_t out;
    const char *problem = NULL;

    ck_assert_int_eq(
        threads_signed_request_verify(unit_pool, text, secret, &out, &problem),
        APR_EINVAL);
    ck_assert_msg(problem != NULL, "no problem for '%s'", text);
    ck_assert_ptr_null(out.user_id);
}

/* Anything not signed with the app secret, or not HMAC-SHA256 with a user,
 * is refused. */
START_TEST(refused_requests)
{
    char *flipped = apr_pstrdup(unit_pool, numeric);
    char *tampered = apr_pstrdup(unit_pool, string_id);
    char *big = apr_palloc(unit_pool, THREADS_SIGNED_REQUEST_MAX + 2);

    expect_refused(numeric, "another secret");
    flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
    expect_refused(flipped, SECRET);
    /* The payload changed after signing (one letter of the id). */
    tampered[strlen(tampered) - 10] ^= 1;
    expect_refused(tampered, SECRET);
    expect_refused(other_algorithm, SECRET);
    expect_refused(no_user, SECRET);
    expect_refused("", SECRET);
    expect_refused("no-dot-at-all", SECRET);
    expect_refused(".", SECRET);
    expect_refused(apr_pstrcat(unit_pool, numeric, ".x", NULL), SECRET);
    expect_refused("AAAA.eyJ9", SECRET);
    expect_refused(NULL, SECRET);
    memset(big, 'A', THREADS_SIGNED_REQUEST_MAX + 1);
    big[40] = '.';
    big[THREADS_SIGNED_REQUEST_MAX + 1] = '\0';
    expect_refused(big, SECRET);
}
END_TEST

/* The suite of src/core/signed.c. */
Suite *threads_signed_suite(void)
{
    Suite *s = suite_create("signed");
    TCase *tc = tcase_create("signed");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, valid_requests);
    tcase_add_test(tc, refused_requests);
    suite_add_tcase(s, tc);
    return s;
}
