/*
 * fuzz_scope.c: permission lists (ThreadsScope and the scope kept in the
 * token record) through threads_scope_parse, then join, union and covers
 * as the step-up check uses them.
 */
#include <string.h>

#include "apr_strings.h"

#include "core/scope.h"
#include "fuzz_common.h"

/* The permission of set at i. */
#define PERM(set, i) APR_ARRAY_IDX((set), (i), const char *)

/* 1 when a and b hold the same names in the same order. */
static int same_list(const threads_scope_t *a, const threads_scope_t *b)
{
    int i;

    if (a->nelts != b->nelts) {
        return 0;
    }
    for (i = 0; i < a->nelts; i++) {
        if (strcmp(PERM(a, i), PERM(b, i)) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Parses list and checks the result: a non-empty set of well-formed,
 * distinct names, or NULL with a reason. */
static threads_scope_t *parse_checked(apr_pool_t *p, const char *list)
{
    const char *error = "unset";
    threads_scope_t *s = threads_scope_parse(p, list, &error);
    int i, j;

    if (s == NULL) {
        FUZZ_CHECK(error != NULL, "scope_parse failed without a reason");
        return NULL;
    }
    FUZZ_CHECK(error == NULL, "scope_parse succeeded with a reason");
    FUZZ_CHECK(s->nelts > 0, "scope_parse accepted an empty set");
    for (i = 0; i < s->nelts; i++) {
        const char *n = PERM(s, i);

        FUZZ_CHECK(*n != '\0', "scope_parse kept an empty name");
        FUZZ_CHECK(strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "abcdefghijklmnopqrstuvwxyz0123456789_.") ==
                       strlen(n),
                   "scope_parse kept a name with a bad character");
        FUZZ_CHECK(strstr(list, n) != NULL,
                   "scope_parse made up a name not in its input");
        FUZZ_CHECK(threads_scope_has(s, n), "scope_has misses a member");
        threads_scope_is_known(n);
        for (j = 0; j < i; j++) {
            FUZZ_CHECK(strcmp(n, PERM(s, j)) != 0,
                       "scope_parse kept a duplicate");
        }
    }
    return s;
}

/* Checks that the comma-joined form reads back as the same set. */
static void check_join(apr_pool_t *p, const threads_scope_t *s)
{
    char *joined = threads_scope_join(p, s);
    threads_scope_t *again = threads_scope_parse(p, joined, NULL);

    FUZZ_CHECK(again != NULL && same_list(s, again),
               "joined scope does not re-parse to the same set");
    FUZZ_CHECK(strcmp(threads_scope_join(p, again), joined) == 0,
               "joining is not stable");
}

/* Checks union and covers of two sets (either may be NULL). */
static void check_pair(apr_pool_t *p, const threads_scope_t *a,
                       const threads_scope_t *b)
{
    threads_scope_t *u = threads_scope_union(p, a, b);
    int i, expect = 1;

    FUZZ_CHECK(u != NULL, "scope_union gave NULL");
    FUZZ_CHECK(threads_scope_covers(u, a) && threads_scope_covers(u, b),
               "union does not cover both sets");
    FUZZ_CHECK(u->nelts <= (a ? a->nelts : 0) + (b ? b->nelts : 0),
               "union is larger than both sets");
    for (i = 0; a != NULL && i < a->nelts; i++) {
        FUZZ_CHECK(strcmp(PERM(u, i), PERM(a, i)) == 0,
                   "union does not start with the first set in order");
    }
    for (i = 0; i < u->nelts; i++) {
        FUZZ_CHECK(threads_scope_has(a, PERM(u, i)) ||
                       threads_scope_has(b, PERM(u, i)),
                   "union holds a name from neither set");
    }
    if (u->nelts > 0) {
        check_join(p, u);
    }
    for (i = 0; b != NULL && i < b->nelts; i++) {
        expect = expect && threads_scope_has(a, PERM(b, i));
    }
    FUZZ_CHECK(threads_scope_covers(a, b) == expect,
               "scope_covers disagrees with scope_has");
    FUZZ_CHECK(threads_scope_covers(a, a), "a set does not cover itself");
    FUZZ_CHECK(threads_scope_covers(a, NULL), "a set does not cover nothing");
}

/* One input: two lists separated by the first newline (a newline is not a
 * separator, so a list holding one is refused as usual). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    char *in = fuzz_cstring(p, data, size);
    char *nl = strchr(in, '\n');
    const char *first = in, *second = "threads_basic";
    threads_scope_t *a, *b, *basic;

    if (nl != NULL) {
        *nl = '\0';
        second = nl + 1;
    }
    a = parse_checked(p, first);
    b = parse_checked(p, second);
    basic = parse_checked(p, "threads_basic");
    FUZZ_CHECK(basic != NULL && basic->nelts == 1, "threads_basic refused");
    if (a != NULL) {
        check_join(p, a);
    }
    if (b != NULL) {
        check_join(p, b);
    }
    check_pair(p, a, b);
    check_pair(p, b, a);
    check_pair(p, a, basic);
    check_pair(p, basic, a);
    /* The whole input as one list, newline included. */
    if (nl != NULL) {
        *nl = '\n';
        parse_checked(p, in);
    }
    fuzz_pool_end(p);
    return 0;
}
