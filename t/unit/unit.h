/* unit.h: the Check suites of the protocol code, one per file of src/core. */
#ifndef THREADS_UNIT_H
#define THREADS_UNIT_H

#include <check.h>
#include "apr_pools.h"

Suite *threads_text_suite(void);
Suite *threads_codec_suite(void);
Suite *threads_escape_suite(void);
Suite *threads_query_suite(void);
Suite *threads_url_suite(void);
Suite *threads_scope_suite(void);
Suite *threads_seal_suite(void);
Suite *threads_token_suite(void);
Suite *threads_pending_suite(void);
Suite *threads_json_suite(void);
Suite *threads_http_suite(void);
Suite *threads_signed_suite(void);
Suite *threads_revocation_suite(void);

/* A pool for one test, created by unit_setup and destroyed by
 * unit_teardown (use them as a checked fixture). */
extern apr_pool_t *unit_pool;
void unit_setup(void);
void unit_teardown(void);

#endif
