/* test_scope.c: permission sets (src/core/scope.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/scope.h"
#include "unit.h"

/* A scope built from a list, failing the test when it does not parse. */
static threads_scope_t *scope_of(const char *list)
{
    const char *err = NULL;
    threads_scope_t *s = threads_scope_parse(unit_pool, list, &err);

    ck_assert_msg(s != NULL, "scope '%s' did not parse", list);
    ck_assert_ptr_null(err);
    return s;
}

/* Any mix of separators; first-given order; duplicates dropped. */
START_TEST(scope_parse_order_and_dedup)
{
    threads_scope_t *s;

    s = scope_of("threads_basic,threads_content_publish");
    ck_assert_int_eq(s->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(s, 0, const char *), "threads_basic");
    ck_assert_str_eq(APR_ARRAY_IDX(s, 1, const char *),
                     "threads_content_publish");

    s = scope_of("  threads_read_replies ,\t threads_basic,,threads_read_"
                 "replies  threads_basic\tthreads_manage_insights,");
    ck_assert_str_eq(threads_scope_join(unit_pool, s),
                     "threads_read_replies,threads_basic,"
                     "threads_manage_insights");

    s = scope_of("a.b,A_1");
    ck_assert_str_eq(threads_scope_join(unit_pool, s), "a.b,A_1");
}
END_TEST

/* Bad characters and empty lists give NULL and a reason. */
START_TEST(scope_parse_rejects)
{
    static const char *const bad[] = {"",
                                      " , \t,",
                                      "threads-basic",
                                      "threads_basic;threads_x",
                                      "threads_basic\nthreads_x",
                                      "threads_basic\rthreads_x",
                                      "threads_b\xc3\xa4sic",
                                      "threads_basic,a=b",
                                      NULL};
    const char *err;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        err = NULL;
        ck_assert_msg(threads_scope_parse(unit_pool, bad[i], &err) == NULL,
                      "'%s' parsed", bad[i]);
        ck_assert_ptr_nonnull(err);
        ck_assert(strlen(err) > 0);
    }
    err = NULL;
    ck_assert_ptr_null(threads_scope_parse(unit_pool, NULL, &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

/* Membership, coverage and the step-up union. */
START_TEST(scope_has_covers_union)
{
    threads_scope_t *have = scope_of("threads_basic,threads_content_publish");
    threads_scope_t *want = scope_of("threads_content_publish");
    threads_scope_t *more =
        scope_of("threads_manage_insights threads_basic threads_read_replies");
    threads_scope_t *u;

    ck_assert_int_eq(threads_scope_has(have, "threads_basic"), 1);
    ck_assert_int_eq(threads_scope_has(have, "threads_bas"), 0);
    ck_assert_int_eq(threads_scope_has(have, NULL), 0);
    ck_assert_int_eq(threads_scope_covers(have, want), 1);
    ck_assert_int_eq(threads_scope_covers(have, have), 1);
    ck_assert_int_eq(threads_scope_covers(want, have), 0);
    ck_assert_int_eq(threads_scope_covers(have, more), 0);

    u = threads_scope_union(unit_pool, have, more);
    ck_assert_str_eq(threads_scope_join(unit_pool, u),
                     "threads_basic,threads_content_publish,"
                     "threads_manage_insights,threads_read_replies");
    ck_assert_int_eq(threads_scope_covers(u, have), 1);
    ck_assert_int_eq(threads_scope_covers(u, more), 1);
    /* The inputs are left alone. */
    ck_assert_int_eq(have->nelts, 2);
    ck_assert_int_eq(more->nelts, 3);
    u = threads_scope_union(unit_pool, have, want);
    ck_assert_str_eq(threads_scope_join(unit_pool, u),
                     "threads_basic,threads_content_publish");
}
END_TEST

/* Exactly the five permissions of Meta's guide are known. */
START_TEST(scope_known)
{
    ck_assert_int_eq(threads_scope_is_known("threads_basic"), 1);
    ck_assert_int_eq(threads_scope_is_known("threads_content_publish"), 1);
    ck_assert_int_eq(threads_scope_is_known("threads_read_replies"), 1);
    ck_assert_int_eq(threads_scope_is_known("threads_manage_replies"), 1);
    ck_assert_int_eq(threads_scope_is_known("threads_manage_insights"), 1);
    ck_assert_int_eq(threads_scope_is_known("threads_basics"), 0);
    ck_assert_int_eq(threads_scope_is_known("THREADS_BASIC"), 0);
    ck_assert_int_eq(threads_scope_is_known("threads_keyword_search"), 0);
    ck_assert_int_eq(threads_scope_is_known(""), 0);
    ck_assert_int_eq(threads_scope_is_known(NULL), 0);
}
END_TEST

/* The suite of src/core/scope.c. */
Suite *threads_scope_suite(void)
{
    Suite *s = suite_create("scope");
    TCase *tc = tcase_create("scope");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, scope_parse_order_and_dedup);
    tcase_add_test(tc, scope_parse_rejects);
    tcase_add_test(tc, scope_has_covers_union);
    tcase_add_test(tc, scope_known);
    suite_add_tcase(s, tc);
    return s;
}
