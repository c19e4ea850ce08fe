/* test_text.c: the shared character classes (src/core/text.c). */
#include <string.h>

#include "apr_strings.h"

#include "core/text.h"
#include "unit.h"

/* Visible ASCII is 0x21..0x7e: no space, no control, no byte >= 0x80. */
START_TEST(visible_bytes)
{
    int c;

    for (c = 0; c < 256; c++) {
        ck_assert_int_eq(threads_text_is_visible((unsigned char)c),
                         c >= 0x21 && c <= 0x7e);
    }
    ck_assert_int_eq(threads_text_all_visible("a!~", 3), 1);
    ck_assert_int_eq(threads_text_all_visible("a b", 3), 0);
    ck_assert_int_eq(threads_text_all_visible("", 0), 0);
    ck_assert_int_eq(threads_text_all_visible(NULL, 0), 0);
    ck_assert_int_eq(threads_text_all_visible("ab\x7f", 3), 0);
}
END_TEST

/* Digits: 1..max of 0-9 and nothing else. */
START_TEST(digits)
{
    ck_assert_int_eq(threads_text_all_digits("0123", 4, 4), 1);
    ck_assert_int_eq(threads_text_all_digits("01234", 5, 4), 0);
    ck_assert_int_eq(threads_text_all_digits("12a", 3, 8), 0);
    ck_assert_int_eq(threads_text_all_digits("-1", 2, 8), 0);
    ck_assert_int_eq(threads_text_all_digits("", 0, 8), 0);
}
END_TEST

/* Positive numbers: digits only, no zero, within 64 bits. */
START_TEST(parse_positive)
{
    apr_int64_t v = 0;

    ck_assert_int_eq(threads_text_parse_positive("1700000000", &v), 1);
    ck_assert_int_eq(v, 1700000000);
    ck_assert_int_eq(threads_text_parse_positive("9223372036854775807", &v), 1);
    ck_assert_int_eq(threads_text_parse_positive("9223372036854775808", &v), 0);
    ck_assert_int_eq(threads_text_parse_positive("0", &v), 0);
    ck_assert_int_eq(threads_text_parse_positive("+5", &v), 0);
    ck_assert_int_eq(threads_text_parse_positive(" 5", &v), 0);
    ck_assert_int_eq(threads_text_parse_positive("", &v), 0);
    ck_assert_int_eq(threads_text_parse_positive(NULL, &v), 0);
}
END_TEST

/* Hex digits in both cases; base64url's alphabet and nothing else. */
START_TEST(hex_and_base64url)
{
    ck_assert_int_eq(threads_text_hex_value('0'), 0);
    ck_assert_int_eq(threads_text_hex_value('f'), 15);
    ck_assert_int_eq(threads_text_hex_value('F'), 15);
    ck_assert_int_eq(threads_text_hex_value('g'), -1);
    ck_assert_int_eq(threads_text_hex[10], 'A');
    {
        static const unsigned char bytes[] = {0x00, 0x9f, 0xa5, 0xff};
        char out[2 * sizeof(bytes) + 1];

        memset(out, 'x', sizeof(out));
        threads_text_hex_encode(out, bytes, sizeof(bytes));
        ck_assert_str_eq(out, "009FA5FF");
        threads_text_hex_encode(out, bytes, 0);
        ck_assert_str_eq(out, "");
    }
    ck_assert_int_eq(threads_text_b64url_value('A'), 0);
    ck_assert_int_eq(threads_text_b64url_value('_'), 63);
    ck_assert_int_eq(threads_text_b64url_value('-'), 62);
    ck_assert_int_eq(threads_text_b64url_value('+'), -1);
    ck_assert_int_eq(threads_text_b64url_value('='), -1);
}
END_TEST

/* UTF-8: code points of well-formed sequences; 0 for overlong forms,
 * surrogates, values past U+10FFFF and cut sequences. */
START_TEST(utf8)
{
    unsigned long cp = 0;

    ck_assert_uint_eq(threads_text_utf8_char((const unsigned char *)"A", &cp),
                      1);
    ck_assert_uint_eq(cp, 'A');
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xc3\xab", &cp), 2);
    ck_assert_uint_eq(cp, 0xeb);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xe2\x80\xae", &cp), 3);
    ck_assert_uint_eq(cp, 0x202e);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xf0\x9f\x98\x80", &cp),
        4);
    ck_assert_uint_eq(cp, 0x1f600);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xc0\xaf", &cp), 0);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xed\xa0\x80", &cp), 0);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xf4\x90\x80\x80", &cp),
        0);
    ck_assert_uint_eq(
        threads_text_utf8_char((const unsigned char *)"\xe2\x80", &cp), 0);
}
END_TEST

/* The code points that must not reach a header or variable, and their
 * neighbours, which may. */
START_TEST(unsafe_chars)
{
    static const unsigned long unsafe[] = {
        0x00,   0x0a,   0x1f,   0x7f,   0x80,   0x85,   0x9f,   0x061c,
        0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202e, 0x2066, 0x2069};
    static const unsigned long safe[] = {0x20,   'a',    0x7e,   0xa0,
                                         0xe9,   0x061b, 0x200d, 0x2010,
                                         0x202f, 0x2065, 0x206a, 0x1f600};
    apr_size_t i;

    for (i = 0; i < sizeof(unsafe) / sizeof(*unsafe); i++) {
        ck_assert_msg(threads_text_is_unsafe_char(unsafe[i]), "U+%04lX",
                      unsafe[i]);
    }
    for (i = 0; i < sizeof(safe) / sizeof(*safe); i++) {
        ck_assert_msg(!threads_text_is_unsafe_char(safe[i]), "U+%04lX",
                      safe[i]);
    }
}
END_TEST

/* The suite of src/core/text.c. */
Suite *threads_text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");

    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, visible_bytes);
    tcase_add_test(tc, digits);
    tcase_add_test(tc, parse_positive);
    tcase_add_test(tc, hex_and_base64url);
    tcase_add_test(tc, utf8);
    tcase_add_test(tc, unsafe_chars);
    suite_add_tcase(s, tc);
    return s;
}
