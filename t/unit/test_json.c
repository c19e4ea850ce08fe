/* test_json.c: the checks threads_json.c applies to Threads' answers. */
#include <string.h>

#include "apr_strings.h"

#include "core/json.h"
#include "core/token.h"
#include "core/bounds.h"
#include "unit.h"

/* A token value that must never show up in a problem text. */
#define SECRET_TOKEN "THQVJsecretTOKENvalue123"

/* Parses a NUL-terminated token answer. */
static void parse_token(const char *body, int need_user_id,
                        threads_token_reply_t *out)
{
    threads_json_parse_token_reply(unit_pool, body, strlen(body), need_user_id,
                                   out);
}

/* Parses a NUL-terminated /v1.0/me answer. */
static void parse_profile(const char *body, threads_profile_reply_t *out)
{
    threads_json_parse_profile(unit_pool, body, strlen(body), out);
}

/* Asserts an INVALID answer whose problem is present and quotes nothing
 * of the body's secrets. */
static void assert_invalid(const threads_token_reply_t *r)
{
    ck_assert_int_eq(r->kind, THREADS_REPLY_INVALID);
    ck_assert_ptr_nonnull(r->problem);
    ck_assert_ptr_null(strstr(r->problem, SECRET_TOKEN));
    ck_assert_ptr_null(strstr(r->problem, "THQVJ"));
    ck_assert_ptr_null(r->access_token);
    ck_assert_ptr_null(r->user_id);
}

/* Parses body with need_user_id and expects it to be refused. */
static void expect_invalid(const char *body, int need_user_id)
{
    threads_token_reply_t r;

    parse_token(body, need_user_id, &r);
    assert_invalid(&r);
}

/* Meta's sample success answer: the id is kept digit for digit. */
START_TEST(token_meta_sample)
{
    threads_token_reply_t r;

    parse_token("{\n  \"access_token\": \"THQVJ...\",\n"
                "  \"user_id\": 17841405793187218\n}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.access_token, "THQVJ...");
    ck_assert_str_eq(r.user_id, "17841405793187218");
    ck_assert_int_eq(r.expires_in, -1);
    ck_assert_ptr_null(r.problem);
}
END_TEST

/* The largest 64-bit id survives exactly. */
START_TEST(token_user_id_int64_max)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"a\",\"user_id\":9223372036854775807}", 1,
                &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.user_id, "9223372036854775807");
}
END_TEST

/* A user id sent as a string of digits, with an expiry. */
START_TEST(token_user_id_string)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"" SECRET_TOKEN "\","
                "\"user_id\":\"17841405793187218\",\"expires_in\":3600}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.access_token, SECRET_TOKEN);
    ck_assert_str_eq(r.user_id, "17841405793187218");
    ck_assert_int_eq(r.expires_in, 3600);
}
END_TEST

/* A 32-digit string id is the longest accepted. */
START_TEST(token_user_id_string_max)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"a\","
                "\"user_id\":\"12345678901234567890123456789012\"}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.user_id, "12345678901234567890123456789012");
}
END_TEST

/* Meta's sample rejection. */
START_TEST(token_meta_rejection)
{
    threads_token_reply_t r;

    parse_token("{\n  \"error_type\": \"OAuthException\",\n  \"code\": 400,\n"
                "  \"error_message\": \"Matching code was not found or was "
                "already used\"\n}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_str_eq(r.error.type, "OAuthException");
    ck_assert_str_eq(r.error.message,
                     "Matching code was not found or was already used");
    ck_assert_int_eq(r.error.code, 400);
    ck_assert_ptr_null(r.access_token);
}
END_TEST

/* The Graph API's error object. */
START_TEST(token_graph_error)
{
    threads_token_reply_t r;

    parse_token("{\"error\":{\"message\":\"Error validating access token\","
                "\"type\":\"OAuthException\",\"code\":190,"
                "\"fbtrace_id\":\"Axyz\"}}",
                0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_str_eq(r.error.type, "OAuthException");
    ck_assert_str_eq(r.error.message, "Error validating access token");
    ck_assert_int_eq(r.error.code, 190);
    ck_assert_int_eq(r.error.subcode, 0);
    ck_assert_str_eq(r.error.fbtrace_id, "Axyz");
}
END_TEST

/* A dead token's refresh: code 190 with its subcode and trace id; a trace
 * id that could break a log line is dropped. */
START_TEST(token_graph_error_subcode)
{
    threads_token_reply_t r;

    parse_token("{\"error\":{\"message\":\"Error validating access token: "
                "The user has not authorized application 1.\","
                "\"type\":\"OAuthException\",\"code\":190,"
                "\"error_subcode\":458,\"fbtrace_id\":\"A1b2C3d4E5f6\"}}",
                0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_int_eq(r.error.code, THREADS_GRAPH_TOKEN_DEAD);
    ck_assert_int_eq(r.error.subcode, 458);
    ck_assert_str_eq(r.error.fbtrace_id, "A1b2C3d4E5f6");

    parse_token("{\"error\":{\"code\":\"190\",\"error_subcode\":\"463\","
                "\"fbtrace_id\":\"a b\\nc\"}}",
                0, &r);
    ck_assert_int_eq(r.error.code, 190);
    ck_assert_int_eq(r.error.subcode, 463);
    ck_assert_ptr_null(r.error.fbtrace_id);
}
END_TEST

/* OAuth's plain error string with a description. */
START_TEST(token_oauth_error_string)
{
    threads_token_reply_t r;

    parse_token("{\"error\":\"invalid_grant\","
                "\"error_description\":\"code expired\"}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_str_eq(r.error.type, "invalid_grant");
    ck_assert_str_eq(r.error.message, "code expired");
    ck_assert_int_eq(r.error.code, 0);
}
END_TEST

/* An error wins over a token in the same answer. */
START_TEST(token_error_beats_token)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"abc\",\"user_id\":1,"
                "\"error_message\":\"no\"}",
                1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_ptr_null(r.access_token);
    ck_assert_ptr_null(r.error.type);
    ck_assert_str_eq(r.error.message, "no");
}
END_TEST

/* A long error text is cut to 1024 bytes without splitting a character. */
START_TEST(token_error_message_truncated)
{
    threads_token_reply_t r;
    char *msg, *body;
    int i;

    /* 1023 ASCII bytes then 2-byte characters: byte 1024 falls inside one. */
    msg = apr_palloc(unit_pool, 1023 + 2 * 100 + 1);
    memset(msg, 'x', 1023);
    for (i = 0; i < 100; i++) {
        msg[1023 + 2 * i] = (char)0xC3;
        msg[1023 + 2 * i + 1] = (char)0xA9;
    }
    msg[1023 + 200] = '\0';
    body = apr_pstrcat(unit_pool,
                       "{\"error_type\":\"OAuthException\","
                       "\"error_message\":\"",
                       msg, "\"}", (char *)NULL);
    parse_token(body, 1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_uint_eq(strlen(r.error.message), 1023);
    ck_assert_int_eq(strncmp(r.error.message, msg, 1023), 0);

    /* Exactly 1024 bytes ending on a boundary is kept whole. */
    msg[1024] = '\0';
    msg[1022] = 'x';
    msg[1023] = 'x';
    body = apr_pstrcat(unit_pool, "{\"error_message\":\"", msg, "\"}",
                       (char *)NULL);
    parse_token(body, 1, &r);
    ck_assert_uint_eq(strlen(r.error.message), 1024);
}
END_TEST

/* The long-lived exchange and refresh answer: no user id. */
START_TEST(token_long_lived_shape)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"" SECRET_TOKEN "\","
                "\"token_type\":\"bearer\",\"expires_in\":5183944}",
                0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.access_token, SECRET_TOKEN);
    ck_assert_ptr_null(r.user_id);
    ck_assert_int_eq(r.expires_in, 5183944);
}
END_TEST

/* The same shape cannot finish a code exchange, which must name a user. */
START_TEST(token_missing_user_id)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"" SECRET_TOKEN "\","
                "\"token_type\":\"bearer\",\"expires_in\":5183944}",
                1, &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "no user_id");
}
END_TEST

/* Every accepted form of expires_in, limits included. */
START_TEST(token_expires_in_forms)
{
    threads_token_reply_t r;

    parse_token("{\"access_token\":\"a\",\"expires_in\":null}", 0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_int_eq(r.expires_in, -1);
    parse_token("{\"access_token\":\"a\",\"expires_in\":\"5183944\"}", 0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_int_eq(r.expires_in, 5183944);
    parse_token("{\"access_token\":\"a\",\"expires_in\":315360000}", 0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_int_eq(r.expires_in, 315360000);
    parse_token("{\"access_token\":\"a\",\"expires_in\":1}", 0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_int_eq(r.expires_in, 1);
}
END_TEST

/* An expiry that is not 1..315360000 seconds is refused. */
START_TEST(token_bad_expires_in)
{
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":-5}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":0}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":315360001}", 0);
    expect_invalid(
        "{\"access_token\":\"a\",\"expires_in\":9223372036854775807}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":3600.5}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"soon\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"3600x\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"-3600\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"0360\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":\"9999999999\"}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":true}", 0);
    expect_invalid("{\"access_token\":\"a\",\"expires_in\":[3600]}", 0);
}
END_TEST

/* Bodies that are not one JSON object. */
START_TEST(token_not_json)
{
    threads_token_reply_t r;

    expect_invalid("<html>Bad gateway</html>", 1);
    expect_invalid("", 1);
    expect_invalid("   ", 1);
    expect_invalid("[]", 1);
    expect_invalid("[{\"access_token\":\"a\",\"user_id\":1}]", 1);
    expect_invalid("null", 1);
    expect_invalid("\"" SECRET_TOKEN "\"", 1);
    expect_invalid("17841405793187218", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1", 1);

    threads_json_parse_token_reply(unit_pool, NULL, 0, 1, &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "empty body");
}
END_TEST

/* Trailing data, duplicate keys, NUL characters and bad UTF-8 are all
 * refused rather than read one way here and another way elsewhere. */
START_TEST(token_strict_parse)
{
    threads_token_reply_t r;
    static const char nul_raw[] = "{\"access_token\":\"ab\0cd\",\"user_id\":1}";
    static const char nul_after[] = "{\"access_token\":\"a\",\"user_id\":1}\0x";

    expect_invalid("{\"access_token\":\"a\",\"user_id\":1} x", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1}{}", 1);

    parse_token("{\"access_token\":\"" SECRET_TOKEN "\",\"user_id\":1,"
                "\"access_token\":\"other\"}",
                1, &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "not JSON: duplicate key");
    /* Duplicates deeper down are refused too. */
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1,"
                   "\"x\":{\"k\":1,\"k\":2}}",
                   1);

    parse_token("{\"access_token\":\"ab\\u0000cd\",\"user_id\":1}", 1, &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "not JSON: NUL character");
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1,\"k\\u0000\":1}", 1);

    threads_json_parse_token_reply(unit_pool, nul_raw, sizeof(nul_raw) - 1, 1,
                                   &r);
    assert_invalid(&r);
    threads_json_parse_token_reply(unit_pool, nul_after, sizeof(nul_after) - 1,
                                   1, &r);
    assert_invalid(&r);

    parse_token("{\"access_token\":\"a\",\"user_id\":1,\"n\":\"\xC3\x28\"}", 1,
                &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "not JSON: invalid UTF-8");
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1,\"n\":\"\xFF\"}", 1);
    /* An overlong encoding of '/'. */
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1,\"n\":\"\xC0\xAF\"}",
                   1);
    /* A lone surrogate escape. */
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1,\"n\":\"\\ud800\"}",
                   1);
}
END_TEST

/* Anything but a positive integer or a digit string as user id. */
START_TEST(token_bad_user_id)
{
    threads_token_reply_t r;

    expect_invalid("{\"access_token\":\"a\",\"user_id\":1.5}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":17841405793187218.0}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":1e5}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":-17841405793187218}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":0}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\"0\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\"0123\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\"-1\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\"12a\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\" 12\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":\"\"}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":"
                   "1234567890123456789012345678901234567890}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":"
                   "\"1234567890123456789012345678901234567890\"}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":"
                   "\"123456789012345678901234567890123\"}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":9223372036854775808}",
                   1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":true}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":false}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":{}}", 1);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":[1]}", 1);

    /* A user id that is present is checked even when not needed. */
    expect_invalid("{\"access_token\":\"a\",\"user_id\":-1}", 0);
    parse_token("{\"access_token\":\"a\",\"user_id\":null}", 0, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_ptr_null(r.user_id);
    expect_invalid("{\"access_token\":\"a\",\"user_id\":null}", 1);
}
END_TEST

/* Tokens that could not go safely into a header or a cookie. */
START_TEST(token_bad_access_token)
{
    threads_token_reply_t r;
    char *big, *body;

    expect_invalid("{\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":null,\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":\"\",\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":123,\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":[\"a\"],\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":\"" SECRET_TOKEN "\\n\",\"user_id\":1}",
                   1);
    expect_invalid("{\"access_token\":\"" SECRET_TOKEN "\\r\\nSet-Cookie: x\","
                   "\"user_id\":1}",
                   1);
    expect_invalid("{\"access_token\":\"THQVJ " SECRET_TOKEN "\","
                   "\"user_id\":1}",
                   1);
    expect_invalid("{\"access_token\":\"ab\\u007f\",\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":\"ab\\u00e9\",\"user_id\":1}", 1);
    expect_invalid("{\"access_token\":\"ab\\t\",\"user_id\":1}", 1);

    /* 5000 bytes is over the cap; exactly the cap is accepted. */
    big = apr_palloc(unit_pool, 5001);
    memset(big, 'A', 5000);
    big[5000] = '\0';
    body = apr_pstrcat(unit_pool, "{\"access_token\":\"", big,
                       "\",\"user_id\":1}", (char *)NULL);
    parse_token(body, 1, &r);
    assert_invalid(&r);
    ck_assert_str_eq(r.problem, "access_token is too long");

    big[THREADS_TOKEN_MAX] = '\0';
    body = apr_pstrcat(unit_pool, "{\"access_token\":\"", big,
                       "\",\"user_id\":1}", (char *)NULL);
    parse_token(body, 1, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_uint_eq(strlen(r.access_token), THREADS_TOKEN_MAX);
}
END_TEST

/* No problem text ever quotes the token, whatever goes wrong after it. */
START_TEST(token_problem_never_quotes)
{
    static const char *const bodies[] = {
        "{\"access_token\":\"" SECRET_TOKEN "\",\"user_id\":-1}",
        "{\"access_token\":\"" SECRET_TOKEN "\",\"user_id\":1,"
        "\"expires_in\":\"" SECRET_TOKEN "\"}",
        "{\"access_token\":\"" SECRET_TOKEN " \",\"user_id\":1}",
        "{\"access_token\":\"" SECRET_TOKEN "\",\"user_id\":1,}",
        "{\"access_token\":\"" SECRET_TOKEN "\" \"user_id\":1}",
        "{\"access_token\":" SECRET_TOKEN ",\"user_id\":1}",
        "{\"code\":\"" SECRET_TOKEN "\"}",
        SECRET_TOKEN,
        NULL};
    threads_token_reply_t r;
    int i;

    for (i = 0; bodies[i] != NULL; i++) {
        parse_token(bodies[i], 1, &r);
        assert_invalid(&r);
    }
}
END_TEST

/* The documented /v1.0/me answer. */
START_TEST(profile_full)
{
    threads_profile_reply_t r;

    parse_profile("{\"id\":\"1234\",\"username\":\"alice\","
                  "\"name\":\"Alice A\"}",
                  &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.id, "1234");
    ck_assert_str_eq(r.username, "alice");
    ck_assert_str_eq(r.name, "Alice A");
    ck_assert_ptr_null(r.problem);
}
END_TEST

/* Username and name are optional; the id may be a big integer. */
START_TEST(profile_without_name)
{
    threads_profile_reply_t r;

    parse_profile("{\"id\":17841405793187218,\"username\":\"alice\"}", &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.id, "17841405793187218");
    ck_assert_str_eq(r.username, "alice");
    ck_assert_ptr_null(r.name);

    parse_profile("{\"id\":\"5\",\"name\":null}", &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_ptr_null(r.username);
    ck_assert_ptr_null(r.name);
}
END_TEST

/* Names are display text: UTF-8 is kept, an over-long one is cut. */
START_TEST(profile_name_utf8_cut)
{
    threads_profile_reply_t r;
    char *name, *body;
    int i;

    parse_profile("{\"id\":\"5\",\"name\":\"Z\\u00fcrich \\ud83d\\ude00\"}",
                  &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_str_eq(r.name, "Z\xC3\xBCrich \xF0\x9F\x98\x80");

    /* 255 bytes, then a 4-byte character that would cross the cap. */
    name = apr_palloc(unit_pool, 255 + 4 * 3 + 1);
    memset(name, 'n', 255);
    for (i = 0; i < 3; i++) {
        memcpy(name + 255 + 4 * i, "\xF0\x9F\x98\x80", 4);
    }
    name[255 + 12] = '\0';
    body = apr_pstrcat(unit_pool, "{\"id\":\"5\",\"name\":\"", name, "\"}",
                       (char *)NULL);
    parse_profile(body, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_OK);
    ck_assert_uint_eq(strlen(r.name), 255);
}
END_TEST

/* An expired or revoked token gives an error object. */
START_TEST(profile_rejected)
{
    threads_profile_reply_t r;

    parse_profile("{\"error\":{\"message\":\"Invalid OAuth access token.\","
                  "\"type\":\"OAuthException\",\"code\":190}}",
                  &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_str_eq(r.error.message, "Invalid OAuth access token.");
    ck_assert_ptr_null(r.id);

    parse_profile("{\"error_type\":\"OAuthException\",\"code\":190,"
                  "\"error_message\":\"Session has expired\"}",
                  &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_REJECTED);
    ck_assert_str_eq(r.error.message, "Session has expired");
}
END_TEST

/* Parses body and expects a refused profile. */
static void expect_bad_profile(const char *body)
{
    threads_profile_reply_t r;

    parse_profile(body, &r);
    ck_assert_int_eq(r.kind, THREADS_REPLY_INVALID);
    ck_assert_ptr_nonnull(r.problem);
    ck_assert_ptr_null(r.id);
    ck_assert_ptr_null(r.username);
    ck_assert_ptr_null(r.name);
}

/* Profiles that are refused as a whole. */
START_TEST(profile_invalid)
{
    char *big;

    expect_bad_profile("");
    expect_bad_profile("not json");
    expect_bad_profile("[]");
    expect_bad_profile("{\"id\":\"1\",\"id\":\"2\"}");
    expect_bad_profile("{\"username\":\"alice\"}");
    expect_bad_profile("{\"id\":0,\"username\":\"alice\"}");
    expect_bad_profile("{\"id\":-3}");
    expect_bad_profile("{\"id\":1.5}");
    expect_bad_profile("{\"id\":\"01\"}");
    expect_bad_profile("{\"id\":true}");
    expect_bad_profile("{\"id\":\"1\",\"username\":5}");
    expect_bad_profile("{\"id\":\"1\",\"username\":\"al\\nice\"}");
    expect_bad_profile("{\"id\":\"1\",\"username\":\"al\\u007fice\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\r\\nX-Threads: 1\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":[\"A\"]}");
    /* C1 controls and the characters that reorder text, escaped and raw:
     * "admin" written backwards behind U+202E would read as another
     * user in a log or a page. */
    expect_bad_profile("{\"id\":\"1\",\"username\":\"a\\u0085b\"}");
    expect_bad_profile("{\"id\":\"1\",\"username\":\"a\xc2\x9b"
                       "b\"}");
    expect_bad_profile("{\"id\":\"1\",\"username\":\"\\u202enimda\"}");
    expect_bad_profile("{\"id\":\"1\",\"username\":\"\xe2\x80\xae"
                       "nimda\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u200eB\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u200fB\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u202aB\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u2066B\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u2069B\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u061cB\"}");
    expect_bad_profile("{\"id\":\"1\",\"name\":\"A\\u2028B\"}");

    big = apr_palloc(unit_pool, 300);
    memset(big, 'u', 299);
    big[299] = '\0';
    expect_bad_profile(apr_pstrcat(unit_pool, "{\"id\":\"1\",\"username\":\"",
                                   big, "\"}", (char *)NULL));
}
END_TEST

/* The json suite: token answers, then profiles. */
Suite *threads_json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("token");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, token_meta_sample);
    tcase_add_test(tc, token_user_id_int64_max);
    tcase_add_test(tc, token_user_id_string);
    tcase_add_test(tc, token_user_id_string_max);
    tcase_add_test(tc, token_meta_rejection);
    tcase_add_test(tc, token_graph_error);
    tcase_add_test(tc, token_graph_error_subcode);
    tcase_add_test(tc, token_oauth_error_string);
    tcase_add_test(tc, token_error_beats_token);
    tcase_add_test(tc, token_error_message_truncated);
    tcase_add_test(tc, token_long_lived_shape);
    tcase_add_test(tc, token_missing_user_id);
    tcase_add_test(tc, token_expires_in_forms);
    tcase_add_test(tc, token_bad_expires_in);
    tcase_add_test(tc, token_not_json);
    tcase_add_test(tc, token_strict_parse);
    tcase_add_test(tc, token_bad_user_id);
    tcase_add_test(tc, token_bad_access_token);
    tcase_add_test(tc, token_problem_never_quotes);
    suite_add_tcase(s, tc);

    tc = tcase_create("profile");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, profile_full);
    tcase_add_test(tc, profile_without_name);
    tcase_add_test(tc, profile_name_utf8_cut);
    tcase_add_test(tc, profile_rejected);
    tcase_add_test(tc, profile_invalid);
    suite_add_tcase(s, tc);
    return s;
}
