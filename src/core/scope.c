/*
 * scope.c: sets of Threads permissions (scope.h).
 */
#include <string.h>

#include "apr_strings.h"

#include "core/scope.h"
#include "core/text.h"

/* The permissions Meta's guide lists. */
static const char *const threads_known_scopes[] = {
    "threads_basic",          "threads_content_publish", "threads_read_replies",
    "threads_manage_replies", "threads_manage_insights", NULL};

/* 1 for the characters that separate permission names. */
static int threads_scope_is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

threads_scope_t *threads_scope_parse(apr_pool_t *p, const char *list,
                                     const char **error)
{
    threads_scope_t *scope = apr_array_make(p, 4, sizeof(const char *));
    const char *c = list != NULL ? list : "";

    if (error != NULL) {
        *error = NULL;
    }
    while (*c != '\0') {
        const char *start;
        char *name;

        if (threads_scope_is_sep(*c)) {
            c++;
            continue;
        }
        for (start = c; *c != '\0' && !threads_scope_is_sep(*c); c++) {
            if (!threads_text_is_scope_char((unsigned char)*c)) {
                if (error != NULL) {
                    *error = "a permission name holds a character other "
                             "than A-Z a-z 0-9 _ .";
                }
                return NULL;
            }
        }
        name = apr_pstrmemdup(p, start, (apr_size_t)(c - start));
        if (!threads_scope_has(scope, name)) {
            APR_ARRAY_PUSH(scope, const char *) = name;
        }
    }
    if (scope->nelts == 0) {
        if (error != NULL) {
            *error = "no permission given";
        }
        return NULL;
    }
    return scope;
}

char *threads_scope_join(apr_pool_t *p, const threads_scope_t *scope)
{
    if (scope == NULL) {
        return apr_pstrdup(p, "");
    }
    return apr_array_pstrcat(p, scope, ',');
}

int threads_scope_has(const threads_scope_t *scope, const char *perm)
{
    int i;

    if (scope == NULL || perm == NULL) {
        return 0;
    }
    for (i = 0; i < scope->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(scope, i, const char *), perm) == 0) {
            return 1;
        }
    }
    return 0;
}

int threads_scope_covers(const threads_scope_t *have,
                         const threads_scope_t *want)
{
    int i;

    if (want == NULL) {
        return 1;
    }
    for (i = 0; i < want->nelts; i++) {
        if (!threads_scope_has(have, APR_ARRAY_IDX(want, i, const char *))) {
            return 0;
        }
    }
    return 1;
}

/* Appends to u each permission of from that u lacks. */
static void threads_scope_add_all(threads_scope_t *u,
                                  const threads_scope_t *from)
{
    int i;

    for (i = 0; from != NULL && i < from->nelts; i++) {
        const char *perm = APR_ARRAY_IDX(from, i, const char *);

        if (!threads_scope_has(u, perm)) {
            APR_ARRAY_PUSH(u, const char *) = perm;
        }
    }
}

threads_scope_t *threads_scope_union(apr_pool_t *p, const threads_scope_t *a,
                                     const threads_scope_t *b)
{
    threads_scope_t *u = apr_array_make(p, 8, sizeof(const char *));

    threads_scope_add_all(u, a);
    threads_scope_add_all(u, b);
    return u;
}

int threads_scope_is_known(const char *perm)
{
    int i;

    if (perm == NULL) {
        return 0;
    }
    for (i = 0; threads_known_scopes[i] != NULL; i++) {
        if (strcmp(threads_known_scopes[i], perm) == 0) {
            return 1;
        }
    }
    return 0;
}

int threads_scope_text_is_valid(const char *s)
{
    for (; *s; s++) {
        if (!threads_text_is_scope_char((unsigned char)*s) && *s != ',') {
            return 0;
        }
    }
    return 1;
}
