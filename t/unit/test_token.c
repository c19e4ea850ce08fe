/* test_token.c: the token record (src/core/token.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/token.h"
#include "core/seal.h"
#include "unit.h"

#define NOW     1700000000
#define TIMEOUT 600

/* A valid record's text, from which the tests take fields away. */
static const char good_record[] =
    "v=1&t=TOKEN&u=17841405793187218&e=1700003600&i=1700000000"
    "&l=1700000000&k=s&s=threads_basic";

/* A full token record with every optional field set. */
static threads_token_t sample_token(void)
{
    threads_token_t t;

    memset(&t, 0, sizeof(t));
    t.access_token = "THQWJ-example_token.1+2/3=";
    t.user_id = "17841405793187218";
    t.expires_at = 1705183944;
    t.issued_at = 1700000000;
    t.login_at = 1699990000;
    t.type = THREADS_TOKEN_LONG;
    t.scope = "threads_basic,threads_content_publish";
    t.username = "zoe & co = 100%";
    t.name = "Zo\xc3\xab \"Z\" <Test>";
    return t;
}

/* The names THREADS_TOKEN_TYPE uses. */
START_TEST(token_type_names)
{
    ck_assert_str_eq(threads_token_type_name(THREADS_TOKEN_SHORT), "short");
    ck_assert_str_eq(threads_token_type_name(THREADS_TOKEN_LONG), "long");
}
END_TEST

/* Every field survives, awkward characters included. */
START_TEST(token_round_trip)
{
    threads_token_t in = sample_token(), out;
    char *s = threads_token_encode(unit_pool, &in);

    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(threads_token_decode(unit_pool, s, &out), APR_SUCCESS);
    ck_assert_str_eq(out.access_token, in.access_token);
    ck_assert_str_eq(out.user_id, "17841405793187218");
    ck_assert(out.expires_at == in.expires_at);
    ck_assert(out.issued_at == in.issued_at);
    ck_assert(out.login_at == in.login_at);
    ck_assert_int_eq(out.type, THREADS_TOKEN_LONG);
    ck_assert_str_eq(out.scope, in.scope);
    ck_assert_str_eq(out.username, in.username);
    ck_assert_str_eq(out.name, in.name);
}
END_TEST

/* A copy owns its strings (a connection keeps it past the request's
 * pool) and keeps absent fields absent. */
START_TEST(token_copy_owns_its_strings)
{
    threads_token_t in = sample_token();
    threads_token_t *c;

    in.login_id = "EWbZ4bE0_LfEHmnM8fbEvg";
    in.name = NULL;
    c = threads_token_copy(unit_pool, &in);
    ck_assert(c->expires_at == in.expires_at);
    ck_assert(c->issued_at == in.issued_at && c->login_at == in.login_at);
    ck_assert_int_eq(c->type, in.type);
    ck_assert_str_eq(c->access_token, in.access_token);
    ck_assert_ptr_ne(c->access_token, in.access_token);
    ck_assert_str_eq(c->user_id, in.user_id);
    ck_assert_ptr_ne(c->user_id, in.user_id);
    ck_assert_str_eq(c->login_id, in.login_id);
    ck_assert_ptr_ne(c->login_id, in.login_id);
    ck_assert_str_eq(c->scope, in.scope);
    ck_assert_str_eq(c->username, in.username);
    ck_assert_ptr_ne(c->username, in.username);
    ck_assert_ptr_null(c->name);
}
END_TEST

/* The text form, and NULL for an absent username and name. */
START_TEST(token_exact_form)
{
    threads_token_t t, out;

    memset(&t, 0, sizeof(t));
    t.access_token = "TOKEN";
    t.user_id = "17841405793187218";
    t.expires_at = 1700003600;
    t.issued_at = 1700000000;
    t.login_at = 1700000000;
    t.type = THREADS_TOKEN_SHORT;
    t.scope = "threads_basic";
    ck_assert_str_eq(threads_token_encode(unit_pool, &t), good_record);
    ck_assert_int_eq(threads_token_decode(unit_pool, good_record, &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out.user_id, "17841405793187218");
    ck_assert_int_eq(out.type, THREADS_TOKEN_SHORT);
    ck_assert_ptr_null(out.username);
    ck_assert_ptr_null(out.name);
}
END_TEST

/* A 32-digit user id and the largest time survive. */
START_TEST(token_big_numbers)
{
    threads_token_t t = sample_token(), out;

    t.user_id = "99999999999999999999999999999999";
    t.expires_at = APR_INT64_MAX;
    ck_assert_int_eq(threads_token_decode(
                         unit_pool, threads_token_encode(unit_pool, &t), &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out.user_id, t.user_id);
    ck_assert(out.expires_at == APR_INT64_MAX);
}
END_TEST

/* A token of THREADS_TOKEN_MAX characters passes, one more fails. */
START_TEST(token_longest)
{
    threads_token_t t = sample_token(), out;
    char *tok = apr_palloc(unit_pool, THREADS_TOKEN_MAX + 2);

    memset(tok, 'E', THREADS_TOKEN_MAX + 1);
    tok[THREADS_TOKEN_MAX] = '\0';
    t.access_token = tok;
    ck_assert_int_eq(threads_token_decode(
                         unit_pool, threads_token_encode(unit_pool, &t), &out),
                     APR_SUCCESS);
    ck_assert_uint_eq(strlen(out.access_token), THREADS_TOKEN_MAX);
    tok[THREADS_TOKEN_MAX] = 'E';
    tok[THREADS_TOKEN_MAX + 1] = '\0';
    ck_assert_int_eq(threads_token_decode(
                         unit_pool, threads_token_encode(unit_pool, &t), &out),
                     APR_EINVAL);
}
END_TEST

/* Fields added by a later version are skipped. */
START_TEST(token_unknown_keys_ignored)
{
    threads_token_t out;

    ck_assert_int_eq(
        threads_token_decode(unit_pool,
                             apr_pstrcat(unit_pool, good_record,
                                         "&future=field&x", (char *)NULL),
                             &out),
        APR_SUCCESS);
    ck_assert_str_eq(out.access_token, "TOKEN");
}
END_TEST

/* A record missing any required field fails. */
START_TEST(token_missing_field_fails)
{
    static const char *const keys[] = {
        "v=", "t=", "u=", "e=", "i=", "l=", "k=", "s=", NULL};
    int i;

    for (i = 0; keys[i] != NULL; i++) {
        apr_array_header_t *kept =
            apr_array_make(unit_pool, 8, sizeof(const char *));
        char *copy = apr_pstrdup(unit_pool, good_record);
        char *last, *part;
        threads_token_t out;

        for (part = apr_strtok(copy, "&", &last); part != NULL;
             part = apr_strtok(NULL, "&", &last)) {
            if (strncmp(part, keys[i], 2) != 0) {
                APR_ARRAY_PUSH(kept, const char *) = part;
            }
        }
        ck_assert_msg(threads_token_decode(
                          unit_pool, apr_array_pstrcat(unit_pool, kept, '&'),
                          &out) == APR_EINVAL,
                      "record without %s decodes", keys[i]);
        ck_assert_ptr_null(out.access_token);
    }
}
END_TEST

/* Each malformed field fails the whole record. */
START_TEST(token_tampered_fails)
{
    static const char *const bad[] = {
        "v=2&t=T&u=1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=&u=1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=a%20b&u=1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=a%0Ab&u=1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=%C3%A9&u=1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=T&u=&e=1&i=1&l=1&k=s&s=",
        "v=1&t=T&u=12a&e=1&i=1&l=1&k=s&s=",
        "v=1&t=T&u=-1&e=1&i=1&l=1&k=s&s=",
        "v=1&t=T&u=123456789012345678901234567890123&e=1&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=0&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=-5&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=%2B5&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=%205&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=5x&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=9223372036854775808&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=99999999999999999999&i=1&l=1&k=s&s=",
        "v=1&t=T&u=1&e=1&i=0&l=1&k=s&s=",
        "v=1&t=T&u=1&e=1&i=1&l=&k=s&s=",
        "v=1&t=T&u=1&e=1&i=1&l=1&k=x&s=",
        "v=1&t=T&u=1&e=1&i=1&l=1&k=&s=",
        "v=1&t=T&u=1&e=1&i=1&l=1&k=s&s=&t=U",
        "v=1&t=T&u=1&e=1&i=1&l=1&k=s&s=%zz",
        "v=1&t=T&u=1&e=1&i=1&l=1&k=s&s=&=x",
        "",
        "garbage",
        NULL};
    threads_token_t out;
    int i;

    /* The shortest valid record, to show the failures are the fields. */
    ck_assert_int_eq(
        threads_token_decode(unit_pool, "v=1&t=T&u=1&e=1&i=1&l=1&k=s&s=", &out),
        APR_SUCCESS);
    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(threads_token_decode(unit_pool, bad[i], &out) ==
                          APR_EINVAL,
                      "'%s' decodes", bad[i]);
    }
    ck_assert_int_eq(threads_token_decode(unit_pool, NULL, &out), APR_EINVAL);
}
END_TEST

/* No record without a token and a user id. */
START_TEST(token_encode_needs_token_and_user)
{
    threads_token_t t = sample_token();

    t.access_token = NULL;
    ck_assert_ptr_null(threads_token_encode(unit_pool, &t));
    t = sample_token();
    t.user_id = NULL;
    ck_assert_ptr_null(threads_token_encode(unit_pool, &t));
    ck_assert_ptr_null(threads_token_encode(unit_pool, NULL));
}
END_TEST

/* expires_in is taken up to the longest token lifetime, no further: the
 * revocations in the shared store are kept that long. */
START_TEST(token_apply_lifetimes)
{
    threads_token_reply_t reply;
    threads_token_t t;

    memset(&reply, 0, sizeof(reply));
    memset(&t, 0, sizeof(t));
    reply.access_token = "TOKEN";
    reply.expires_in = 5183944;
    threads_token_apply(&t, &reply, THREADS_TOKEN_LONG, NOW);
    ck_assert_int_eq(t.expires_at, NOW + 5183944);
    reply.expires_in = 315360000;
    threads_token_apply(&t, &reply, THREADS_TOKEN_LONG, NOW);
    ck_assert_int_eq(t.expires_at, NOW + THREADS_TOKEN_LIFETIME_MAX);
    reply.expires_in = -1;
    threads_token_apply(&t, &reply, THREADS_TOKEN_SHORT, NOW);
    ck_assert_int_eq(t.expires_at, NOW + THREADS_SHORT_TOKEN_LIFETIME);
    threads_token_apply(&t, &reply, THREADS_TOKEN_LONG, NOW);
    ck_assert_int_eq(t.expires_at, NOW + THREADS_LONG_TOKEN_LIFETIME);
}
END_TEST

/* Login ids: 128 random bits in base64url, kept by the record. */
START_TEST(token_login_id)
{
    const char *a = NULL, *b = NULL;
    threads_token_t t = sample_token(), back;

    ck_assert_int_eq(threads_token_new_login_id(unit_pool, &a), APR_SUCCESS);
    ck_assert_int_eq(threads_token_new_login_id(unit_pool, &b), APR_SUCCESS);
    ck_assert_uint_eq(strlen(a), 22);
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(
        strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_"),
        22);
    t.login_id = a;
    ck_assert_int_eq(threads_token_decode(
                         unit_pool, threads_token_encode(unit_pool, &t), &back),
                     APR_SUCCESS);
    ck_assert_str_eq(back.login_id, a);
    /* Records from before login ids still read, without one. */
    ck_assert_int_eq(threads_token_decode(unit_pool, good_record, &back),
                     APR_SUCCESS);
    ck_assert_ptr_null(back.login_id);
}
END_TEST

/* The suite of src/core/token.c. */
Suite *threads_token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, token_type_names);
    tcase_add_test(tc, token_apply_lifetimes);
    tcase_add_test(tc, token_login_id);
    tcase_add_test(tc, token_round_trip);
    tcase_add_test(tc, token_copy_owns_its_strings);
    tcase_add_test(tc, token_exact_form);
    tcase_add_test(tc, token_big_numbers);
    tcase_add_test(tc, token_longest);
    tcase_add_test(tc, token_unknown_keys_ignored);
    tcase_add_test(tc, token_missing_field_fails);
    tcase_add_test(tc, token_tampered_fails);
    tcase_add_test(tc, token_encode_needs_token_and_user);
    suite_add_tcase(s, tc);
    return s;
}
