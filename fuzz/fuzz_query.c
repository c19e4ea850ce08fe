/*
 * fuzz_query.c: the callback's query string through threads_query_parse,
 * then what the callback does with each parameter: the code loses its
 * "#_", login and logout go through the open-redirect guard, and every
 * value is HTML-escaped and JSON-quoted for the pages the module writes.
 */
#include <string.h>

#include <jansson.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/escape.h"
#include "core/query.h"
#include "core/url.h"
#include "fuzz_common.h"

/* A limit small enough for short inputs to run into it. */
#define FUZZ_SMALL_MAX 8

/* Undoes threads_html_escape, so the output can be compared with the
 * input. */
static char *html_unescape(apr_pool_t *p, const char *s)
{
    static const char *const ent[][2] = {{"&amp;", "&"},
                                         {"&lt;", "<"},
                                         {"&gt;", ">"},
                                         {"&quot;", "\""},
                                         {"&#39;", "'"}};
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;
    size_t i;

    while (*s) {
        for (i = 0; i < sizeof(ent) / sizeof(ent[0]); i++) {
            if (strncmp(s, ent[i][0], strlen(ent[i][0])) == 0) {
                break;
            }
        }
        if (i < sizeof(ent) / sizeof(ent[0])) {
            *o++ = ent[i][1][0];
            s += strlen(ent[i][0]);
        }
        else {
            FUZZ_CHECK(*s != '&', "html_escape left a bare &");
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

/* Checks threads_html_escape of s: no markup character left, and nothing
 * lost. */
static void check_html(apr_pool_t *p, const char *s)
{
    const char *e = threads_html_escape(p, s);

    FUZZ_CHECK(strpbrk(e, "<>\"'") == NULL,
               "html_escape output holds < > \" or '");
    FUZZ_CHECK(strcmp(html_unescape(p, e), s) == 0,
               "html_escape output does not unescape to its input");
}

/* Checks threads_json_quote of s: a valid JSON string that is also safe in
 * a <script> block, and that reads back as s when s is valid UTF-8. */
static void check_json(apr_pool_t *p, const char *s)
{
    const char *q = threads_json_quote(p, s);
    size_t qlen = strlen(q);
    const unsigned char *c;
    json_error_t err;
    json_t *v;

    FUZZ_CHECK(qlen >= 2 && q[0] == '"' && q[qlen - 1] == '"',
               "json_quote output is not in quotes");
    for (c = (const unsigned char *)q; *c; c++) {
        FUZZ_CHECK(*c >= 0x20 && *c != 0x7f,
                   "json_quote output holds a raw control character");
        FUZZ_CHECK(*c != '<' && *c != '>' && *c != '&',
                   "json_quote output holds < > or &");
    }
    FUZZ_CHECK(fuzz_utf8_valid(q, qlen), "json_quote output is not UTF-8");
    FUZZ_CHECK(strstr(q, "\xe2\x80\xa8") == NULL &&
                   strstr(q, "\xe2\x80\xa9") == NULL,
               "json_quote output holds a raw U+2028 or U+2029");
    v = json_loadb(q, qlen, JSON_DECODE_ANY, &err);
    FUZZ_CHECK(v != NULL && json_is_string(v),
               "json_quote output is not a JSON string");
    if (fuzz_utf8_valid(s, strlen(s))) {
        FUZZ_CHECK(strcmp(json_string_value(v), s) == 0,
                   "json_quote output does not read back as its input");
    }
    json_decref(v);
}

/* Checks threads_code_strip_fragment: only a final "#_" goes. */
static void check_code(apr_pool_t *p, const char *code)
{
    const char *c = threads_code_strip_fragment(p, code);
    size_t len = strlen(code), clen;

    FUZZ_CHECK(c != NULL, "strip_fragment lost the code");
    clen = strlen(c);
    FUZZ_CHECK(strncmp(c, code, clen) == 0,
               "strip_fragment result is not a prefix of the code");
    if (len >= 2 && strcmp(code + len - 2, "#_") == 0) {
        FUZZ_CHECK(clen == len - 2, "strip_fragment kept a final #_");
    }
    else {
        FUZZ_CHECK(clen == len, "strip_fragment cut a code without #_");
    }
}

/* The callback's handling of one parameter (apr_table_do callback). */
static int check_param(void *rec, const char *name, const char *value)
{
    apr_pool_t *p = rec;

    FUZZ_CHECK(*name != '\0', "query_parse accepted an empty name");
    FUZZ_CHECK(strlen(name) <= THREADS_PARAM_MAX &&
                   strlen(value) <= THREADS_PARAM_MAX,
               "query_parse accepted a parameter over the limit");
    if (strcmp(name, "code") == 0) {
        check_code(p, value);
    }
    if (strcmp(name, "login") == 0 || strcmp(name, "logout") == 0) {
        fuzz_check_local_url(value);
    }
    check_html(p, name);
    check_html(p, value);
    check_json(p, value);
    return 1;
}

/* Checks the outcome of one parse: a table without duplicate names on
 * success, a printable, short parameter name on failure. */
static void check_outcome(threads_query_status_e st, apr_table_t *t,
                          const char *bad_name, apr_size_t max)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, j;

    if (st != THREADS_QUERY_OK) {
        FUZZ_CHECK(st == THREADS_QUERY_TOO_LONG ||
                       st == THREADS_QUERY_DUPLICATE ||
                       st == THREADS_QUERY_MALFORMED,
                   "query_parse returned an unknown status");
        FUZZ_CHECK(bad_name != NULL, "failed query_parse names no parameter");
        FUZZ_CHECK(strlen(bad_name) <= 64 && fuzz_is_printable(bad_name),
                   "bad_name is long or not printable");
        return;
    }
    FUZZ_CHECK(bad_name == NULL, "successful query_parse set bad_name");
    for (i = 0; i < arr->nelts; i++) {
        FUZZ_CHECK(strlen(e[i].key) <= max && strlen(e[i].val) <= max,
                   "query_parse kept a parameter over the limit");
        for (j = 0; j < i; j++) {
            FUZZ_CHECK(strcmp(e[i].key, e[j].key) != 0,
                       "query_parse kept a duplicate name");
        }
    }
}

/* One input: the query string up to its first NUL, as r->args. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    const char *query = fuzz_cstring(p, data, size);
    apr_table_t *t = NULL, *small = NULL;
    const char *bad = NULL, *bad_small = NULL;
    threads_query_status_e st, st_small;

    st = threads_query_parse(p, query, THREADS_PARAM_MAX, &t, &bad);
    FUZZ_CHECK(t != NULL, "query_parse gave no table");
    check_outcome(st, t, bad, THREADS_PARAM_MAX);
    if (st == THREADS_QUERY_OK) {
        apr_table_do(check_param, p, t, (char *)NULL);
    }

    /* A lower limit only refuses more, and changes nothing it accepts. */
    st_small =
        threads_query_parse(p, query, FUZZ_SMALL_MAX, &small, &bad_small);
    check_outcome(st_small, small, bad_small, FUZZ_SMALL_MAX);
    if (st_small == THREADS_QUERY_OK) {
        const apr_array_header_t *a = apr_table_elts(small);
        const apr_table_entry_t *e = (const apr_table_entry_t *)a->elts;
        int i;

        FUZZ_CHECK(st == THREADS_QUERY_OK,
                   "accepted under a small limit, refused under a larger");
        FUZZ_CHECK(a->nelts == apr_table_elts(t)->nelts,
                   "the limit changed the number of parameters");
        for (i = 0; i < a->nelts; i++) {
            const char *v = apr_table_get(t, e[i].key);

            FUZZ_CHECK(v != NULL && strcmp(v, e[i].val) == 0,
                       "the limit changed a parameter");
        }
    }
    fuzz_pool_end(p);
    return 0;
}
