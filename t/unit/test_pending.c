/* test_pending.c: pending logins and state values (src/core/pending.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/pending.h"
#include "core/seal.h"
#include "core/bounds.h"
#include "unit.h"

#define NOW     1700000000
#define TIMEOUT 600

/* A state of the right form, distinct for each n. */
static const char *state_of(int n)
{
    return apr_psprintf(unit_pool, "state-%026d", n);
}

/* Appends a pending login to list. */
static void add_pending(apr_array_header_t *list, const char *state,
                        apr_int64_t created, const char *scope, const char *url)
{
    threads_pending_t *e = apr_array_push(list);

    e->state = state;
    e->created = created;
    e->scope = scope;
    e->return_url = url;
}

/* A new empty list of pending logins. */
static apr_array_header_t *pending_list(void)
{
    return apr_array_make(unit_pool, 4, sizeof(threads_pending_t));
}

/* Pending logins survive; a non-local URL does not come back. */
START_TEST(pending_round_trip)
{
    apr_array_header_t *in = pending_list(), *out;
    char *s;
    int i;

    add_pending(in, state_of(1), NOW - 10, "threads_basic", "/");
    add_pending(in, state_of(2), NOW - 5,
                "threads_basic,threads_content_publish",
                "/app?x=1&y=%2F+z%20w#frag");
    add_pending(in, state_of(3), NOW, "threads_basic", "/a b\xc3\xa9");
    s = threads_pending_encode(unit_pool, in);
    out = threads_pending_decode(unit_pool, s);
    /* The third URL is not local, so it does not come back. */
    ck_assert_int_eq(out->nelts, 2);
    for (i = 0; i < 2; i++) {
        const threads_pending_t *a = &APR_ARRAY_IDX(in, i, threads_pending_t);
        const threads_pending_t *b = &APR_ARRAY_IDX(out, i, threads_pending_t);

        ck_assert_str_eq(b->state, a->state);
        ck_assert(b->created == a->created);
        ck_assert_str_eq(b->scope, a->scope);
        ck_assert_str_eq(b->return_url, a->return_url);
    }
}
END_TEST

/* The form adds little to the URLs, to fit a cookie. */
START_TEST(pending_is_compact)
{
    apr_array_header_t *in = pending_list(), *out;
    char *url = apr_palloc(unit_pool, THREADS_RETURN_URL_MAX + 1);
    char *s;
    int i;

    /* A long local URL costs little more than its own length. */
    url[0] = '/';
    for (i = 1; i < THREADS_RETURN_URL_MAX; i++) {
        url[i] = "a/?=&"[(i - 1) % 5];
    }
    url[THREADS_RETURN_URL_MAX] = '\0';
    add_pending(in, state_of(1), NOW, "threads_basic", url);
    s = threads_pending_encode(unit_pool, in);
    ck_assert_uint_le(strlen(s), THREADS_RETURN_URL_MAX + 64);
    out = threads_pending_decode(unit_pool, s);
    ck_assert_int_eq(out->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(out, 0, threads_pending_t).return_url, url);

    /* Eight short logins fit easily in a cookie once sealed. */
    in = pending_list();
    for (i = 0; i < THREADS_PENDING_MAX; i++) {
        add_pending(in, state_of(i), NOW, "threads_basic", "/app/page");
    }
    s = threads_pending_encode(unit_pool, in);
    ck_assert_uint_lt(threads_sealed_length(strlen(s)), 1024);
}
END_TEST

/* Garbage and other versions give an empty list. */
START_TEST(pending_decode_never_null)
{
    static const char *const garbage[] = {"",     "garbage",        "2", "1x",
                                          "\n\n", "2\nstate 1 s /", NULL};
    apr_array_header_t *list;
    int i;

    list = threads_pending_decode(unit_pool, NULL);
    ck_assert_ptr_nonnull(list);
    ck_assert_int_eq(list->nelts, 0);
    for (i = 0; garbage[i] != NULL; i++) {
        list = threads_pending_decode(unit_pool, garbage[i]);
        ck_assert_ptr_nonnull(list);
        ck_assert_int_eq(list->nelts, 0);
    }
    list = threads_pending_decode(
        unit_pool, threads_pending_encode(unit_pool, pending_list()));
    ck_assert_int_eq(list->nelts, 0);
}
END_TEST

/* Bad lines are skipped and the good ones kept. */
START_TEST(pending_decode_skips_bad)
{
    const char *good = state_of(7);
    const char *text = apr_pstrcat(
        unit_pool, "1\n", good, " 1700000000 threads_basic /ok\n",
        "short 1700000000 threads_basic /x\n", state_of(8),
        " 0 threads_basic /x\n", state_of(9), " -1 threads_basic /x\n",
        state_of(10), " 12x threads_basic /x\n", state_of(11),
        " 1700000000 threads_basic //evil\n", state_of(12),
        " 1700000000 threads_basic https://evil\n", state_of(13),
        " 1700000000 threads-basic /x\n", state_of(14),
        " 1700000000 threads_basic /x extra\n", state_of(15),
        " 1700000000 threads_basic\n", state_of(16),
        " 1700000000 threads_basic /%zz\n", state_of(17),
        " 1700000000 threads_basic /%0A\n", "\n", state_of(18),
        "! 1700000000 threads_basic /x\n", state_of(19),
        "  1700000000 threads_basic /x\n", state_of(20),
        " 1700000001 threads_basic /also-ok", (char *)NULL);
    apr_array_header_t *list = threads_pending_decode(unit_pool, text);

    ck_assert_int_eq(list->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(list, 0, threads_pending_t).state, good);
    ck_assert_str_eq(APR_ARRAY_IDX(list, 0, threads_pending_t).return_url,
                     "/ok");
    ck_assert_str_eq(APR_ARRAY_IDX(list, 1, threads_pending_t).return_url,
                     "/also-ok");
}
END_TEST

/* A taken login is returned and gone; the others keep order. */
START_TEST(pending_take_removes)
{
    apr_array_header_t *list = pending_list();
    threads_pending_t got;

    add_pending(list, state_of(1), NOW - 3, "threads_basic", "/one");
    add_pending(list, state_of(2), NOW - 2, "threads_basic", "/two");
    add_pending(list, state_of(3), NOW - 1, "threads_basic", "/three");
    memset(&got, 0, sizeof(got));
    ck_assert_int_eq(threads_pending_take(list, state_of(2), &got), 1);
    ck_assert_str_eq(got.state, state_of(2));
    ck_assert_str_eq(got.return_url, "/two");
    ck_assert(got.created == NOW - 2);
    ck_assert_int_eq(list->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(list, 0, threads_pending_t).return_url,
                     "/one");
    ck_assert_str_eq(APR_ARRAY_IDX(list, 1, threads_pending_t).return_url,
                     "/three");
    /* Used once, it is gone. */
    ck_assert_int_eq(threads_pending_take(list, state_of(2), &got), 0);
    ck_assert_int_eq(list->nelts, 2);
    ck_assert_int_eq(threads_pending_take(list, state_of(3), NULL), 1);
    ck_assert_int_eq(threads_pending_take(list, state_of(1), &got), 1);
    ck_assert_int_eq(list->nelts, 0);
}
END_TEST

/* Unknown, empty, prefixed and extended states find nothing. */
START_TEST(pending_take_unknown_fails)
{
    apr_array_header_t *list = pending_list();
    threads_pending_t got;
    const char *s1 = state_of(1);

    ck_assert_int_eq(threads_pending_take(list, s1, &got), 0);
    add_pending(list, s1, NOW, "threads_basic", "/");
    ck_assert_int_eq(threads_pending_take(list, state_of(2), &got), 0);
    ck_assert_int_eq(threads_pending_take(list, "", &got), 0);
    ck_assert_int_eq(threads_pending_take(list, NULL, &got), 0);
    /* A prefix or an extension of a state is not that state. */
    ck_assert_int_eq(
        threads_pending_take(list, apr_pstrndup(unit_pool, s1, 31), &got), 0);
    ck_assert_int_eq(
        threads_pending_take(
            list, apr_pstrcat(unit_pool, s1, "x", (char *)NULL), &got),
        0);
    ck_assert_int_eq(list->nelts, 1);
}
END_TEST

/* Timed-out, far-future and zero start times go. */
START_TEST(pending_prune_expired_and_future)
{
    apr_array_header_t *list = pending_list();

    add_pending(list, state_of(1), NOW - TIMEOUT - 100, "s", "/expired");
    add_pending(list, state_of(2), NOW - TIMEOUT, "s", "/just-expired");
    add_pending(list, state_of(3), NOW - TIMEOUT + 1, "s", "/fresh");
    add_pending(list, state_of(4), NOW, "s", "/now");
    add_pending(list, state_of(5), NOW + 60, "s", "/skew");
    add_pending(list, state_of(6), NOW + 61, "s", "/future");
    add_pending(list, state_of(7), 0, "s", "/zero");
    threads_pending_prune(list, NOW, TIMEOUT);
    ck_assert_int_eq(list->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(list, 0, threads_pending_t).return_url,
                     "/fresh");
    ck_assert_str_eq(APR_ARRAY_IDX(list, 1, threads_pending_t).return_url,
                     "/now");
    ck_assert_str_eq(APR_ARRAY_IDX(list, 2, threads_pending_t).return_url,
                     "/skew");
}
END_TEST

/* Beyond THREADS_PENDING_MAX the oldest go. */
START_TEST(pending_prune_oldest_beyond_max)
{
    apr_array_header_t *list = pending_list();
    int i;

    for (i = 0; i < THREADS_PENDING_MAX + 3; i++) {
        add_pending(list, state_of(i), NOW - 100 + i, "threads_basic",
                    apr_psprintf(unit_pool, "/tab%d", i));
    }
    threads_pending_prune(list, NOW, TIMEOUT);
    ck_assert_int_eq(list->nelts, THREADS_PENDING_MAX);
    for (i = 0; i < THREADS_PENDING_MAX; i++) {
        ck_assert_str_eq(APR_ARRAY_IDX(list, i, threads_pending_t).return_url,
                         apr_psprintf(unit_pool, "/tab%d", i + 3));
    }
    /* Exactly at the limit, nothing goes. */
    threads_pending_prune(list, NOW, TIMEOUT);
    ck_assert_int_eq(list->nelts, THREADS_PENDING_MAX);
}
END_TEST

/* 32 base64url characters, different every time. */
START_TEST(state_generate_form)
{
    char *a = NULL, *b = NULL;
    int i, j;

    ck_assert_int_eq(threads_state_generate(unit_pool, &a), APR_SUCCESS);
    ck_assert_int_eq(threads_state_generate(unit_pool, &b), APR_SUCCESS);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_uint_eq(strlen(b), 32);
    ck_assert_str_ne(a, b);
    for (i = 0; i < 50; i++) {
        char *s = NULL;

        ck_assert_int_eq(threads_state_generate(unit_pool, &s), APR_SUCCESS);
        ck_assert_uint_eq(strlen(s), 32);
        for (j = 0; j < 32; j++) {
            ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "abcdefghijklmnopqrstuvwxyz0123456789-_",
                                 s[j]) != NULL,
                          "bad character in state %s", s);
        }
        ck_assert_str_ne(s, a);
    }
}
END_TEST

/* A generated state is found again after a round trip. */
START_TEST(state_survives_pending)
{
    apr_array_header_t *list = pending_list(), *back;
    threads_pending_t got;
    char *state = NULL;

    ck_assert_int_eq(threads_state_generate(unit_pool, &state), APR_SUCCESS);
    add_pending(list, state, NOW, "threads_basic", "/app");
    back = threads_pending_decode(unit_pool,
                                  threads_pending_encode(unit_pool, list));
    ck_assert_int_eq(back->nelts, 1);
    ck_assert_int_eq(threads_pending_take(back, state, &got), 1);
    ck_assert_str_eq(got.return_url, "/app");
}
END_TEST

/* The suite of src/core/pending.c. */
Suite *threads_pending_suite(void)
{
    Suite *s = suite_create("pending");
    TCase *tc = tcase_create("pending");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, pending_round_trip);
    tcase_add_test(tc, pending_is_compact);
    tcase_add_test(tc, pending_decode_never_null);
    tcase_add_test(tc, pending_decode_skips_bad);
    tcase_add_test(tc, pending_take_removes);
    tcase_add_test(tc, pending_take_unknown_fails);
    tcase_add_test(tc, pending_prune_expired_and_future);
    tcase_add_test(tc, pending_prune_oldest_beyond_max);
    tcase_add_test(tc, state_generate_form);
    tcase_add_test(tc, state_survives_pending);
    suite_add_tcase(s, tc);
    return s;
}
