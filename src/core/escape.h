/*
 * escape.h: values made safe for the module's HTML pages and JSON answers.
 */
#ifndef THREADS_CORE_ESCAPE_H
#define THREADS_CORE_ESCAPE_H

#include "apr.h"
#include "apr_pools.h"

/* Escapes & < > " ' for HTML text and attribute values. NULL gives "". */
char *threads_html_escape(apr_pool_t *p, const char *s);

/* A JSON string literal (with the quotes) for s; NULL gives null. Escapes
 * quote, backslash, control characters and '<' '>' '&' (as \u00XX), so it
 * is also safe inside an HTML <script>. */
char *threads_json_quote(apr_pool_t *p, const char *s);

#endif /* THREADS_CORE_ESCAPE_H */
