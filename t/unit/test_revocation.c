/* test_revocation.c: the per-user revocation record
 * (src/core/revocation.c). */
#include <string.h>

#include "apr_strings.h"

#include "core/revocation.h"
#include "unit.h"

#define NOW 1700000000
#define DAY 86400

/* Encodes rev and decodes it again, failing the test when that fails. */
static threads_revocation_t *round_trip(const threads_revocation_t *rev)
{
    const char *text = threads_revocation_encode(unit_pool, rev);
    threads_revocation_t *back = NULL;

    ck_assert_int_eq(
        threads_revocation_decode(unit_pool, text, strlen(text), &back),
        APR_SUCCESS);
    ck_assert_str_eq(threads_revocation_encode(unit_pool, back), text);
    return back;
}

/* Logging out everywhere revokes every login up to now, not later ones. */
START_TEST(user_revoked_before)
{
    threads_revocation_t *rev = threads_revocation_make(unit_pool);

    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 10, "a"), 0);
    ck_assert_int_eq(threads_revocation_expiry(rev, NOW), 0);
    threads_revocation_add_user(rev, NOW, NOW + 60 * DAY);
    rev = round_trip(rev);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 10, "a"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW, NULL), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW + 1, "a"), 0);
    ck_assert_int_eq(threads_revocation_expiry(rev, NOW), NOW + 60 * DAY);
    /* An earlier revocation never moves "before" back. */
    threads_revocation_add_user(rev, NOW - 100, NOW + DAY);
    ck_assert_int_eq(rev->before, NOW);
    ck_assert_int_eq(rev->before_until, NOW + 60 * DAY);
    ck_assert_int_eq(threads_revocation_expiry(rev, NOW + 61 * DAY), 0);
}
END_TEST

/* A logout revokes that login only, until its token's expiry. */
START_TEST(single_logins)
{
    threads_revocation_t *rev = threads_revocation_make(unit_pool);

    threads_revocation_add_login(rev, "loginA", NOW + 3600, NOW);
    threads_revocation_add_login(rev, "loginB", NOW + 7200, NOW);
    threads_revocation_add_login(rev, "loginA", NOW + 3600, NOW);
    rev = round_trip(rev);
    ck_assert_int_eq(rev->logins->nelts, 2);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginA"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginB"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginC"), 0);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, NULL), 0);
    ck_assert_int_eq(threads_revocation_expiry(rev, NOW), NOW + 7200);
    /* Expired entries go when the next one comes. */
    threads_revocation_add_login(rev, "loginC", NOW + 9000, NOW + 4000);
    ck_assert_int_eq(rev->logins->nelts, 2);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginA"), 0);
    /* Everywhere folds the list into "before", keeping its expiries. */
    threads_revocation_add_user(rev, NOW + 5000, NOW + 6000);
    ck_assert_int_eq(rev->logins->nelts, 0);
    ck_assert_int_eq(rev->before_until, NOW + 9000);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginC"), 1);
}
END_TEST

/* Applying a change to a record that has it gives the same record: the
 * store merges changes two servers made at once by applying them again
 * to what it read back, and stops when nothing changes. */
START_TEST(changes_apply_twice_the_same)
{
    threads_revocation_t *rev = threads_revocation_make(unit_pool);
    const char *once;

    threads_revocation_add_login(rev, "loginA", NOW + 3600, NOW);
    threads_revocation_add_login(rev, "loginB", NOW + 7200, NOW);
    once = threads_revocation_encode(unit_pool, rev);
    threads_revocation_add_login(rev, "loginA", NOW + 3600, NOW);
    ck_assert_str_eq(threads_revocation_encode(unit_pool, rev), once);
    /* Both orders of two logouts made at once end in the same set. */
    rev = threads_revocation_make(unit_pool);
    threads_revocation_add_login(rev, "loginB", NOW + 7200, NOW);
    threads_revocation_add_login(rev, "loginA", NOW + 3600, NOW);
    threads_revocation_add_login(rev, "loginB", NOW + 7200, NOW);
    ck_assert_int_eq(rev->logins->nelts, 2);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginA"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW - 5, "loginB"), 1);
    /* Everywhere, twice at the same moment, is everywhere once. */
    threads_revocation_add_user(rev, NOW, NOW + DAY);
    once = threads_revocation_encode(unit_pool, rev);
    threads_revocation_add_user(rev, NOW, NOW + DAY);
    ck_assert_str_eq(threads_revocation_encode(unit_pool, rev), once);
}
END_TEST

/* Past the list's capacity every login so far is revoked: never fewer. */
START_TEST(overflow_revokes_all)
{
    threads_revocation_t *rev = threads_revocation_make(unit_pool);
    int i;

    for (i = 0; i < THREADS_REVOKED_LOGINS_MAX; i++) {
        threads_revocation_add_login(rev, apr_psprintf(unit_pool, "id%d", i),
                                     NOW + 1000 + i, NOW);
    }
    ck_assert_int_eq(rev->logins->nelts, THREADS_REVOKED_LOGINS_MAX);
    ck_assert_int_eq(rev->before, 0);
    threads_revocation_add_login(rev, "one-more", NOW + 50, NOW + 10);
    ck_assert_int_eq(rev->logins->nelts, 0);
    ck_assert_int_eq(rev->before, NOW + 10);
    ck_assert_int_eq(rev->before_until,
                     NOW + 1000 + THREADS_REVOKED_LOGINS_MAX - 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW, "id0"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW, "one-more"), 1);
    ck_assert_int_eq(threads_revocation_covers(rev, NOW + 11, "later"), 0);
}
END_TEST

/* Whatever another server or a bug left in the store does not decode. */
START_TEST(garbage_refused)
{
    static const char *const bad[] = {"",
                                      "1",
                                      "1 ",
                                      "2 0 0",
                                      "1 0",
                                      "1 a 0",
                                      "1 0 0 0",
                                      "1 -5 0",
                                      "1 0 0\n",
                                      "1 0 0\nid",
                                      "1 0 0\nid 12 13",
                                      "1 0 0\nid 1x",
                                      "1 0 0\ni+d 12",
                                      "1 0 0\n 12",
                                      "1 99999999999999999999 0",
                                      NULL};
    threads_revocation_t *rev;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(threads_revocation_decode(unit_pool, bad[i],
                                                strlen(bad[i]),
                                                &rev) == APR_EINVAL,
                      "'%s' decoded", bad[i]);
        ck_assert_ptr_null(rev);
    }
    /* A NUL inside is not text this module wrote. */
    ck_assert_int_eq(threads_revocation_decode(unit_pool, "1 0 0\0x", 7, &rev),
                     APR_EINVAL);
}
END_TEST

/* The suite of src/core/revocation.c. */
Suite *threads_revocation_suite(void)
{
    Suite *s = suite_create("revocation");
    TCase *tc = tcase_create("revocation");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, user_revoked_before);
    tcase_add_test(tc, single_logins);
    tcase_add_test(tc, changes_apply_twice_the_same);
    tcase_add_test(tc, overflow_revokes_all);
    tcase_add_test(tc, garbage_refused);
    suite_add_tcase(s, tc);
    return s;
}
