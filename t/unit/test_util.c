/* test_util.c: encoding, escaping, query strings, local URLs and scopes. */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "threads_core.h"
#include "unit.h"

/* Decodes all of s, for tests that feed whole strings. */
static apr_status_t decode_all(const char *s, char **out)
{
    return threads_url_decode(unit_pool, s, strlen(s), out);
}

/* Parses q with limit max, for the query tests. */
static threads_query_status_e parse(const char *q, apr_size_t max,
                                    apr_table_t **t, const char **bad)
{
    return threads_query_parse(unit_pool, q, max, t, bad);
}

/* A scope built from a list, failing the test when it does not parse. */
static threads_scope_t *scope_of(const char *list)
{
    const char *err = NULL;
    threads_scope_t *s = threads_scope_parse(unit_pool, list, &err);

    ck_assert_msg(s != NULL, "scope '%s' did not parse", list);
    ck_assert_ptr_null(err);
    return s;
}

/* Everything but the unreserved characters is escaped, in upper-case hex. */
START_TEST(url_encode_exact)
{
    ck_assert_str_eq(threads_url_encode(unit_pool, "a b&c=d/\xc3\xa9~-._Z9"),
                     "a%20b%26c%3Dd%2F%C3%A9~-._Z9");
    ck_assert_str_eq(threads_url_encode(unit_pool, "+%#?"), "%2B%25%23%3F");
    ck_assert_str_eq(threads_url_encode(unit_pool, "https://x.example/cb/?a=b"),
                     "https%3A%2F%2Fx.example%2Fcb%2F%3Fa%3Db");
    ck_assert_str_eq(threads_url_encode(unit_pool, ""), "");
    ck_assert_str_eq(threads_url_encode(unit_pool, NULL), "");
}
END_TEST

/* %XX and '+' decode; only the given length is read. */
START_TEST(url_decode_exact)
{
    char *out;

    ck_assert_int_eq(decode_all("a+b%20c%2Fd%2f", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "a b c/d/");
    ck_assert_int_eq(decode_all("AQBx-hBsH3%23_", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "AQBx-hBsH3#_");
    ck_assert_int_eq(decode_all("", &out), APR_SUCCESS);
    ck_assert_str_eq(out, "");
    /* Only len bytes are read. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "abc%zz", 3, &out),
                     APR_SUCCESS);
    ck_assert_str_eq(out, "abc");
    /* An escape cut by len is incomplete. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "ab%41", 4, &out),
                     APR_EINVAL);
}
END_TEST

/* Bad or cut escapes and NUL, encoded or raw, are refused. */
START_TEST(url_decode_rejects)
{
    static const char *const bad[] = {"%",   "%4",  "a%",   "%zz",
                                      "%4g", "%g4", "%00",  "a%00b",
                                      "%-1", "% 1", "%%41", NULL};
    char *out;
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        out = (char *)"unset";
        ck_assert_msg(decode_all(bad[i], &out) == APR_EINVAL, "'%s' decoded",
                      bad[i]);
        ck_assert_ptr_null(out);
    }
    /* A raw NUL inside the given length. */
    ck_assert_int_eq(threads_url_decode(unit_pool, "a\0b", 3, &out),
                     APR_EINVAL);
}
END_TEST

/* Every byte but NUL survives encode then decode. */
START_TEST(url_round_trip_all_bytes)
{
    char in[256];
    char *enc, *dec;
    int i;

    for (i = 1; i < 256; i++) {
        in[i - 1] = (char)i;
    }
    in[255] = '\0';
    enc = threads_url_encode(unit_pool, in);
    for (i = 0; enc[i]; i++) {
        ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789-._~%",
                         enc[i]) != NULL);
    }
    ck_assert_int_eq(decode_all(enc, &dec), APR_SUCCESS);
    ck_assert_str_eq(dec, in);
}
END_TEST

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

/* RFC 4648's test vectors in the URL-safe alphabet, unpadded. */
START_TEST(base64url_vectors)
{
    static const char *const plain[] = {"",     "f",     "fo",     "foo",
                                        "foob", "fooba", "foobar", NULL};
    static const char *const coded[] = {"",       "Zg",      "Zm8",      "Zm9v",
                                        "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", NULL};
    static const unsigned char url_bytes[] = {0xfb, 0xff, 0xbf};
    unsigned char *out;
    apr_size_t len;
    int i;

    for (i = 0; plain[i] != NULL; i++) {
        ck_assert_str_eq(
            threads_base64url_encode(unit_pool, (const unsigned char *)plain[i],
                                     strlen(plain[i])),
            coded[i]);
        ck_assert_int_eq(
            threads_base64url_decode(unit_pool, coded[i], &out, &len),
            APR_SUCCESS);
        ck_assert_uint_eq(len, strlen(plain[i]));
        ck_assert(memcmp(out, plain[i], len) == 0);
    }
    ck_assert_str_eq(threads_base64url_encode(unit_pool, url_bytes, 3), "-_-_");
    ck_assert_str_eq(threads_base64url_encode(unit_pool, url_bytes, 2), "-_8");
}
END_TEST

/* Padding, foreign characters, bad lengths and set spare bits fail. */
START_TEST(base64url_strict)
{
    static const char *const bad[] = {
        "Zg==",  "Zm8=",  "Z",      "Zm9vY", "Zh",    "Zm9", "Zm9v+",
        "Zm9v/", "Zm 9v", "Zm9v\n", "=",     "Zm9v!", NULL};
    unsigned char *out;
    apr_size_t len;
    int i;

    /* "Zm9" is "fo" with a trailing bit set: Zm8 is the only spelling. */
    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(threads_base64url_decode(unit_pool, bad[i], &out, &len) ==
                          APR_EINVAL,
                      "'%s' decoded", bad[i]);
    }
    ck_assert_int_eq(threads_base64url_decode(unit_pool, NULL, &out, &len),
                     APR_EINVAL);
}
END_TEST

/* Every length from 0 to 64 bytes survives encode then decode. */
START_TEST(base64url_round_trip)
{
    unsigned char data[64];
    unsigned char *out;
    apr_size_t n, len, i;

    for (i = 0; i < sizeof(data); i++) {
        data[i] = (unsigned char)(i * 37 + 11);
    }
    for (n = 0; n <= sizeof(data); n++) {
        char *s = threads_base64url_encode(unit_pool, data, n);

        ck_assert_uint_eq(strlen(s), (n * 4 + 2) / 3);
        ck_assert_int_eq(threads_base64url_decode(unit_pool, s, &out, &len),
                         APR_SUCCESS);
        ck_assert_uint_eq(len, n);
        ck_assert(memcmp(out, data, n) == 0);
    }
}
END_TEST

/* Equality, prefixes, empty strings and NULL. */
START_TEST(const_eq_cases)
{
    ck_assert_int_eq(threads_const_eq("abc", "abc"), 1);
    ck_assert_int_eq(threads_const_eq("", ""), 1);
    ck_assert_int_eq(threads_const_eq("abc", "abd"), 0);
    ck_assert_int_eq(threads_const_eq("abc", "ab"), 0);
    ck_assert_int_eq(threads_const_eq("ab", "abc"), 0);
    ck_assert_int_eq(threads_const_eq("", "a"), 0);
    ck_assert_int_eq(threads_const_eq("a", ""), 0);
    ck_assert_int_eq(threads_const_eq("Abc", "abc"), 0);
    ck_assert_int_eq(threads_const_eq(NULL, "a"), 0);
    ck_assert_int_eq(threads_const_eq("a", NULL), 0);
    ck_assert_int_eq(threads_const_eq(NULL, NULL), 0);
}
END_TEST

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

/* The suite of threads_util.c. */
Suite *threads_util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc;

    tc = tcase_create("encoding");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, url_encode_exact);
    tcase_add_test(tc, url_decode_exact);
    tcase_add_test(tc, url_decode_rejects);
    tcase_add_test(tc, url_round_trip_all_bytes);
    tcase_add_test(tc, html_escape_all_five);
    tcase_add_test(tc, json_quote_exact);
    tcase_add_test(tc, json_quote_utf8);
    tcase_add_test(tc, base64url_vectors);
    tcase_add_test(tc, base64url_strict);
    tcase_add_test(tc, base64url_round_trip);
    tcase_add_test(tc, const_eq_cases);
    suite_add_tcase(s, tc);

    tc = tcase_create("query");
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

    tc = tcase_create("redirect");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, url_is_local_accepts);
    tcase_add_test(tc, url_is_local_rejects);
    tcase_add_test(tc, code_strip_fragment);
    suite_add_tcase(s, tc);

    tc = tcase_create("scope");
    tcase_add_checked_fixture(tc, unit_setup, unit_teardown);
    tcase_add_test(tc, scope_parse_order_and_dedup);
    tcase_add_test(tc, scope_parse_rejects);
    tcase_add_test(tc, scope_has_covers_union);
    tcase_add_test(tc, scope_known);
    suite_add_tcase(s, tc);
    return s;
}
