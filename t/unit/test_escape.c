/* test_escape.c: HTML and JSON escaping (src/core/escape.c). */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/escape.h"
#include "unit.h"

/* The five HTML-significant characters are escaped, nothing else. */
START_TEST(html_escape_all_five)
{
    ck_assert_str_eq(threads_html_escape(unit_pool, "<a href=\"x\">'&'</a>"),
                     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    ck_assert_str_eq(threads_html_escape(unit_pool, "&amp;"), "&amp;amp;");
    ck_assert_str_eq(threads_html_escape(unit_pool, "plain text \xc3\xa9"),
                     "plain text \xc3\xa9");
    ck_assert_str_eq(threads_html_escape(unit_pool, ""), "");
    ck_assert_str_eq(threads_html_escape(unit_pool, NULL), "");
}
END_TEST

/* Quotes, backslashes, controls and markup characters are escaped. */
START_TEST(json_quote_exact)
{
    ck_assert_str_eq(threads_json_quote(unit_pool, NULL), "null");
    ck_assert_str_eq(threads_json_quote(unit_pool, ""), "\"\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "a\"b\\c"),
                     "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "\n\t\r\x01\x1f\x7f"),
                     "\"\\n\\t\\r\\u0001\\u001F\\u007F\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "</script><!--&x"),
                     "\"\\u003C/script\\u003E\\u003C!--\\u0026x\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "/app?x=1"), "\"/app?x=1\"");
}
END_TEST

/* Output is valid UTF-8 and safe inside a script element. */
START_TEST(json_quote_utf8)
{
    /* Valid UTF-8 passes; invalid bytes and lone continuation bytes become
     * U+FFFD; the JavaScript line separators are escaped. */
    ck_assert_str_eq(
        threads_json_quote(unit_pool, "Zo\xc3\xab \xf0\x9f\x98\x80"),
        "\"Zo\xc3\xab \xf0\x9f\x98\x80\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "a\xff"
                                                   "b\x80"),
                     "\"a\\uFFFDb\\uFFFD\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "\xc0\xaf"),
                     "\"\\uFFFD\\uFFFD\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "\xed\xa0\x80"),
                     "\"\\uFFFD\\uFFFD\\uFFFD\"");
    ck_assert_str_eq(
        threads_json_quote(unit_pool, "x\xe2\x80\xa8y\xe2\x80\xa9"),
        "\"x\\u2028y\\u2029\"");
    ck_assert_str_eq(threads_json_quote(unit_pool, "\xe2\x82"),
                     "\"\\uFFFD\\uFFFD\"");
}
END_TEST

/* The suite of src/core/escape.c. */
Suite *threads_escape_suite(void)
{
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("escape");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, html_escape_all_five);
    tcase_add_test(tc, json_quote_exact);
    tcase_add_test(tc, json_quote_utf8);
    suite_add_tcase(s, tc);
    return s;
}
