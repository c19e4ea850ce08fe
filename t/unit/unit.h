/* unit.h: the Check suites of the protocol code, one per threads_*.c. */
#ifndef THREADS_UNIT_H
#define THREADS_UNIT_H

#include <check.h>
#include "apr_pools.h"

Suite *threads_util_suite(void);
Suite *threads_seal_suite(void);
Suite *threads_record_suite(void);
Suite *threads_json_suite(void);

/* A pool for one test, created by unit_setup and destroyed by
 * unit_teardown (use them as a checked fixture). */
extern apr_pool_t *unit_pool;
void unit_setup(void);
void unit_teardown(void);

#endif
