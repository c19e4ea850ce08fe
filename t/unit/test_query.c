/* test_query.c: query strings read and written (src/core/query.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/query.h"
#include "unit.h"

/* Parses q with limit max, for the query tests. */
static threads_query_status_e parse(const char *q, apr_size_t max,
                                    apr_table_t **t, const char **bad)
{
    return threads_query_parse(unit_pool, q, max, t, bad);
}

/* A callback's query decodes into its table. */
START_TEST(query_basic)
{
    apr_table_t *t;
    const char *bad = "unset";

    ck_assert_int_eq(parse("code=AQBx-hBsH3%23_&state=abc", 4096, &t, &bad),
                     THREADS_QUERY_OK);
    ck_assert_ptr_null(bad);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
    ck_assert_str_eq(apr_table_get(t, "code"), "AQBx-hBsH3#_");
    ck_assert_str_eq(apr_table_get(t, "state"), "abc");
}
END_TEST

/* No query and empty segments give no parameters. */
START_TEST(query_empty)
{
    apr_table_t *t;

    ck_assert_int_eq(parse(NULL, 4096, &t, NULL), THREADS_QUERY_OK);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_int_eq(parse("", 4096, &t, NULL), THREADS_QUERY_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_int_eq(parse("&&&", 4096, &t, NULL), THREADS_QUERY_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 0);
    ck_assert_int_eq(parse("&a=1&&b=2&", 4096, &t, NULL), THREADS_QUERY_OK);
    ck_assert_int_eq(apr_table_elts(t)->nelts, 2);
    ck_assert_str_eq(apr_table_get(t, "a"), "1");
    ck_assert_str_eq(apr_table_get(t, "b"), "2");
}
END_TEST

/* '+' is a space, a bare name is empty, the first '=' splits. */
START_TEST(query_plus_and_bare_names)
{
    apr_table_t *t;

    ck_assert_int_eq(parse("a+b=c+d%2B&flag&e=&x==y", 4096, &t, NULL),
                     THREADS_QUERY_OK);
    ck_assert_str_eq(apr_table_get(t, "a b"), "c d+");
    ck_assert_str_eq(apr_table_get(t, "flag"), "");
    ck_assert_str_eq(apr_table_get(t, "e"), "");
    /* Only the first '=' separates. */
    ck_assert_str_eq(apr_table_get(t, "x"), "=y");
    /* Error parameters as Threads sends them. */
    ck_assert_int_eq(parse("error=access_denied&error_reason=user_denied&"
                           "error_description=The+user+denied+your+request",
                           4096, &t, NULL),
                     THREADS_QUERY_OK);
    ck_assert_str_eq(apr_table_get(t, "error_description"),
                     "The user denied your request");
}
END_TEST

/* A name given twice, however spelled, is refused. */
START_TEST(query_duplicate)
{
    apr_table_t *t;
    const char *bad = NULL;

    ck_assert_int_eq(parse("state=a&code=x&state=b", 4096, &t, &bad),
                     THREADS_QUERY_DUPLICATE);
    ck_assert_str_eq(bad, "state");
    /* The same name spelled two ways is still the same name. */
    ck_assert_int_eq(parse("code=1&%63ode=2", 4096, &t, &bad),
                     THREADS_QUERY_DUPLICATE);
    ck_assert_str_eq(bad, "code");
    ck_assert_int_eq(parse("code&code", 4096, &t, &bad),
                     THREADS_QUERY_DUPLICATE);
    /* Names are case-sensitive here, as Threads sends them. */
    ck_assert_int_eq(parse("code=1&CODE=2", 4096, &t, &bad),
                     THREADS_QUERY_DUPLICATE);
}
END_TEST

/* The limit holds on decoded values; huge raw parts are refused. */
START_TEST(query_too_long)
{
    apr_table_t *t;
    const char *bad = NULL;
    char *big = apr_palloc(unit_pool, 100 * 1024 + 16);
    char *q;

    /* Exactly at the limit passes; one byte more does not. */
    q = apr_pstrcat(unit_pool, "code=", apr_psprintf(unit_pool, "%010d", 7),
                    (char *)NULL);
    ck_assert_int_eq(parse(q, 10, &t, &bad), THREADS_QUERY_OK);
    ck_assert_int_eq(parse("code=12345678901", 10, &t, &bad),
                     THREADS_QUERY_TOO_LONG);
    ck_assert_str_eq(bad, "code");
    /* The limit is on the decoded value. */
    ck_assert_int_eq(parse("code=%41%41%41%41%41%41%41%41%41%41", 10, &t, &bad),
                     THREADS_QUERY_OK);
    ck_assert_str_eq(apr_table_get(t, "code"), "AAAAAAAAAA");
    ck_assert_int_eq(
        parse("code=%41%41%41%41%41%41%41%41%41%41%41", 10, &t, &bad),
        THREADS_QUERY_TOO_LONG);
    /* A huge raw value. */
    memcpy(big, "state=", 6);
    memset(big + 6, 'x', 100 * 1024);
    big[6 + 100 * 1024] = '\0';
    ck_assert_int_eq(parse(big, THREADS_PARAM_MAX, &t, &bad),
                     THREADS_QUERY_TOO_LONG);
    ck_assert_str_eq(bad, "state");
    /* A huge name, reported truncated. */
    memset(big, 'n', 100 * 1024);
    big[100 * 1024] = '\0';
    ck_assert_int_eq(parse(big, THREADS_PARAM_MAX, &t, &bad),
                     THREADS_QUERY_TOO_LONG);
    ck_assert_uint_eq(strlen(bad), 64);
    /* The callback limit itself. */
    q = apr_pstrcat(unit_pool,
                    "code=", apr_pstrndup(unit_pool, big, THREADS_PARAM_MAX),
                    (char *)NULL);
    ck_assert_int_eq(parse(q, THREADS_PARAM_MAX, &t, &bad), THREADS_QUERY_OK);
    q = apr_pstrcat(
        unit_pool, "code=", apr_pstrndup(unit_pool, big, THREADS_PARAM_MAX + 1),
        (char *)NULL);
    ck_assert_int_eq(parse(q, THREADS_PARAM_MAX, &t, &bad),
                     THREADS_QUERY_TOO_LONG);
}
END_TEST

/* Empty names and bad escapes are refused with a loggable name. */
START_TEST(query_malformed)
{
    static const char *const bad_queries[] = {
        "=x",    "a=1&=2", "=",    "a=%zz",      "a=%4", "a=%",
        "a=%00", "%00=1",  "a%=1", "code=abc%0", NULL};
    apr_table_t *t;
    const char *bad = NULL;
    int i;

    for (i = 0; bad_queries[i] != NULL; i++) {
        ck_assert_msg(parse(bad_queries[i], 4096, &t, &bad) ==
                          THREADS_QUERY_MALFORMED,
                      "'%s' parsed", bad_queries[i]);
        ck_assert_ptr_nonnull(bad);
    }
    ck_assert_int_eq(parse("code=ok&state=%zz", 4096, &t, &bad),
                     THREADS_QUERY_MALFORMED);
    ck_assert_str_eq(bad, "state");
    ck_assert_int_eq(parse("=x", 4096, &t, &bad), THREADS_QUERY_MALFORMED);
    ck_assert_str_eq(bad, "");
    /* The name in the problem text is safe to log. */
    ck_assert_int_eq(parse("a%0Ab=%zz", 4096, &t, &bad),
                     THREADS_QUERY_MALFORMED);
    ck_assert_str_eq(bad, "a?b");
    /* bad_name may be NULL. */
    ck_assert_int_eq(parse("=x", 4096, &t, NULL), THREADS_QUERY_MALFORMED);
}
END_TEST

/* A token request body, with a NULL value skipped. */
START_TEST(form_encode_exact)
{
    static const char *const pairs[] = {"client_id",
                                        "990602627938098",
                                        "redirect_uri",
                                        "https://x.example/auth/?a=b",
                                        "skipped",
                                        NULL,
                                        "code",
                                        "a b+c&d",
                                        NULL};
    static const char *const none[] = {NULL};

    ck_assert_str_eq(threads_form_encode(unit_pool, pairs),
                     "client_id=990602627938098&redirect_uri=https%3A%2F%2F"
                     "x.example%2Fauth%2F%3Fa%3Db&code=a%20b%2Bc%26d");
    ck_assert_str_eq(threads_form_encode(unit_pool, none), "");
    ck_assert_str_eq(threads_form_encode(unit_pool, NULL), "");
}
END_TEST

/* The right separator whether or not the base has a query. */
START_TEST(url_with_query_exact)
{
    static const char *const pairs[] = {"client_id", "1", "scope",
                                        "threads_basic,threads_content_publish",
                                        NULL};
    static const char *const none[] = {NULL};

    ck_assert_str_eq(
        threads_url_with_query(unit_pool, "https://threads.com/oauth/authorize",
                               pairs),
        "https://threads.com/oauth/authorize?client_id=1&scope="
        "threads_basic%2Cthreads_content_publish");
    ck_assert_str_eq(
        threads_url_with_query(unit_pool, "https://h.example/a?x=1", pairs),
        "https://h.example/a?x=1&client_id=1&scope="
        "threads_basic%2Cthreads_content_publish");
    ck_assert_str_eq(
        threads_url_with_query(unit_pool, "https://h.example/a?", pairs),
        "https://h.example/a?client_id=1&scope="
        "threads_basic%2Cthreads_content_publish");
    ck_assert_str_eq(
        threads_url_with_query(unit_pool, "https://h.example/a#top", pairs),
        "https://h.example/a?client_id=1&scope="
        "threads_basic%2Cthreads_content_publish#top");
    ck_assert_str_eq(
        threads_url_with_query(unit_pool, "https://h.example/a", none),
        "https://h.example/a");
}
END_TEST

/* The suite of src/core/query.c. */
Suite *threads_query_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("query");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, query_basic);
    tcase_add_test(tc, query_empty);
    tcase_add_test(tc, query_plus_and_bare_names);
    tcase_add_test(tc, query_duplicate);
    tcase_add_test(tc, query_too_long);
    tcase_add_test(tc, query_malformed);
    tcase_add_test(tc, form_encode_exact);
    tcase_add_test(tc, url_with_query_exact);
    suite_add_tcase(s, tc);
    return s;
}
