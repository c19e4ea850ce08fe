/*
 * scope.h: sets of Threads permissions (ThreadsScope, step-up).
 */
#ifndef THREADS_CORE_SCOPE_H
#define THREADS_CORE_SCOPE_H

#include "apr.h"
#include "apr_pools.h"
#include "apr_tables.h"

/* An ordered set of permission names (const char * elements). */
typedef apr_array_header_t threads_scope_t;

/* Parses a comma- and/or space-separated list: names in first-given order,
 * duplicates dropped. Returns NULL and sets *error when a name has a
 * character outside [A-Za-z0-9_.] or the list is empty. */
threads_scope_t *threads_scope_parse(apr_pool_t *p, const char *list,
                                     const char **error);
/* Comma-joined, as Threads takes them. */
char *threads_scope_join(apr_pool_t *p, const threads_scope_t *scope);
/* 1 when perm is in the set. */
int threads_scope_has(const threads_scope_t *scope, const char *perm);
/* 1 when every permission of want is in have. */
int threads_scope_covers(const threads_scope_t *have,
                         const threads_scope_t *want);
/* a followed by what b adds, in order (the step-up scope). */
threads_scope_t *threads_scope_union(apr_pool_t *p, const threads_scope_t *a,
                                     const threads_scope_t *b);
/* 1 for the permissions Meta's guide lists. */
int threads_scope_is_known(const char *perm);
/* 1 when s is a comma-joined list of permission names (or empty), as
 * threads_scope_join writes it. */
int threads_scope_text_is_valid(const char *s);

#endif /* THREADS_CORE_SCOPE_H */
