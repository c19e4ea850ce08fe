/* unit_main.c: runs every suite of t/unit and prints one closing line. */
#include <stdio.h>
#include <stdlib.h>
#include "apr_general.h"
#include "unit.h"

apr_pool_t *unit_pool;

void unit_setup(void)
{
    apr_pool_create(&unit_pool, NULL);
}

void unit_teardown(void)
{
    apr_pool_destroy(unit_pool);
    unit_pool = NULL;
}

int main(void)
{
    SRunner *runner;
    int failed, run;

    apr_initialize();
    runner = srunner_create(threads_text_suite());
    srunner_add_suite(runner, threads_codec_suite());
    srunner_add_suite(runner, threads_escape_suite());
    srunner_add_suite(runner, threads_query_suite());
    srunner_add_suite(runner, threads_url_suite());
    srunner_add_suite(runner, threads_scope_suite());
    srunner_add_suite(runner, threads_seal_suite());
    srunner_add_suite(runner, threads_token_suite());
    srunner_add_suite(runner, threads_pending_suite());
    srunner_add_suite(runner, threads_json_suite());
    srunner_add_suite(runner, threads_signed_suite());
    srunner_add_suite(runner, threads_revocation_suite());
    srunner_add_suite(runner, threads_http_suite());
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    run = srunner_ntests_run(runner);
    srunner_free(runner);
    apr_terminate();
    printf("unit: %d passed, %d failed\n", run - failed, failed);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
