/* test_url.c: the open-redirect guard and the code value (src/core/url.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/url.h"
#include "unit.h"

/* Paths on this server pass, encoded slashes included. */
START_TEST(url_is_local_accepts)
{
    static const char *const good[] = {"/",
                                       "/app",
                                       "/app?x=1&y=%2F",
                                       "/%2f%2fevil",
                                       "/a/b/c.html#frag",
                                       "/app/?next=//evil",
                                       "/~user/",
                                       "/a@b",
                                       "/.well-known/x",
                                       "/a/...",
                                       "/a/..b/c",
                                       "/a.b/",
                                       "/app?next=/../x",
                                       "/app#/../x",
                                       NULL};
    int i;

    for (i = 0; good[i] != NULL; i++) {
        ck_assert_msg(threads_url_is_local(good[i]), "'%s' refused", good[i]);
    }
}
END_TEST

/* Every open-redirect trick is refused. */
START_TEST(url_is_local_rejects)
{
    static const char *const bad[] = {"",
                                      "//evil",
                                      "//evil.example/x",
                                      "/\\evil",
                                      "/\\\\",
                                      "\\\\evil",
                                      "\\/evil",
                                      "/\tevil",
                                      "/\t/evil",
                                      "/ evil",
                                      "/app\r\nSet-Cookie:x",
                                      "\r\n",
                                      "/\r\n/evil",
                                      "/a\nb",
                                      "https://x",
                                      "http://evil.example/",
                                      "https:evil",
                                      "javascript:alert(1)",
                                      "JaVaScRiPt:alert(1)",
                                      "data:text/html,x",
                                      "%2f%2fevil",
                                      "%2F%2Fevil",
                                      "evil",
                                      "./x",
                                      "//user@evil",
                                      "///evil",
                                      "/app\\..\\x",
                                      "/\xe2\x88\x95"
                                      "evil",
                                      "/\xef\xbc\x8f\xef\xbc\x8f"
                                      "evil",
                                      "/caf\xc3\xa9",
                                      "/a\x7f",
                                      "/a b",
                                      " /app",
                                      "\t/app",
                                      "/./",
                                      "/.//evil.example",
                                      "/..//evil.example",
                                      "/%2e//evil.example",
                                      "/%2E%2e//evil.example",
                                      "/.%2e//evil.example",
                                      "/app/./x",
                                      "/app/../x",
                                      "/app/..",
                                      "/app/.",
                                      "/app/.?x=1",
                                      "/app/..#top",
                                      "/.",
                                      "/..",
                                      NULL};
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(!threads_url_is_local(bad[i]), "'%s' accepted", bad[i]);
    }
    ck_assert_int_eq(threads_url_is_local(NULL), 0);
}
END_TEST

/* One trailing "#_" goes; any other code is kept as it is. */
START_TEST(code_strip_fragment)
{
    const char *plain = "AQBx-hBsH3";

    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "AQBx-hBsH3#_"),
                     "AQBx-hBsH3");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, plain), plain);
    /* Only one trailing "#_" goes. */
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "abc#_#_"),
                     "abc#_");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "#_"), "");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "abc#"), "abc#");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "abc_"), "abc_");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "a#_b"), "a#_b");
    ck_assert_str_eq(threads_code_strip_fragment(unit_pool, "_"), "_");
    ck_assert_ptr_null(threads_code_strip_fragment(unit_pool, NULL));
}
END_TEST

/* The suite of src/core/url.c. */
Suite *threads_url_suite(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("url");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, url_is_local_accepts);
    tcase_add_test(tc, url_is_local_rejects);
    tcase_add_test(tc, code_strip_fragment);
    suite_add_tcase(s, tc);
    return s;
}
