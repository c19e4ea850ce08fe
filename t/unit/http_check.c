/*
 * http_check.c: drives threads_http.c from the command line, so the
 * integration suite can check outcomes, the size cap and handle reuse
 * against its stand-in servers without an httpd.
 *
 *   http_check [-X GET|POST] [-d form] [-b bearer] [-t timeout_ms] [-k]
 *              [-c ca_file] [-x proxy] [-A user_agent] [-n calls]
 *              [-j threads] [-o body_file] url
 *
 * Prints one line per call:
 *   outcome=<name> status=<n> body_len=<n> content_type=<t> elapsed_ms=<n>
 *   error=<text>
 * Exit status: 0 when every call's outcome is "ok", 1 otherwise, 2 for bad
 * usage or set-up. The body is never printed (it may hold a token); -o
 * writes the last one to a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apr_general.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"

#include "threads_core.h"

/* Everything one worker thread needs. */
typedef struct {
    threads_http_pool_t *pool;
    const threads_http_options_t *opts;
    const threads_http_request_t *req;
    int calls;
    const char *body_file;
    apr_thread_mutex_t *print_lock; /* keeps report lines whole */
    int failures;
} check_job_t;

/* Prints the usage text and returns the exit status for bad usage. */
static int check_usage(void)
{
    fprintf(stderr, "usage: http_check [-X GET|POST] [-d form] [-b bearer]"
                    " [-t timeout_ms] [-k] [-c ca_file] [-x proxy] [-A agent]"
                    " [-n calls] [-j threads] [-o body_file] url\n");
    return 2;
}

/* Reads a positive decimal option value; 0 when it is not one. */
static long check_number(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);

    return (*s != '\0' && *end == '\0' && n > 0) ? n : 0;
}

/* Writes the body of an answer to path. */
static void check_save_body(const char *path,
                            const threads_http_response_t *resp)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL) {
        perror(path);
        return;
    }
    if (resp->body_len > 0) {
        fwrite(resp->body, 1, resp->body_len, f);
    }
    fclose(f);
}

/* Makes job->calls calls one after the other on the shared handle pool,
 * each in a pool of its own as a request would. */
static void *APR_THREAD_FUNC check_worker(apr_thread_t *thread, void *data)
{
    check_job_t *job = data;
    int i;

    for (i = 0; i < job->calls; i++) {
        apr_pool_t *p;
        threads_http_response_t resp;

        /* A pool with its own allocator, as each httpd worker has. */
        apr_pool_create_unmanaged(&p);
        threads_http_perform(job->pool, p, job->opts, job->req, &resp);
        apr_thread_mutex_lock(job->print_lock);
        printf("outcome=%s status=%ld body_len=%lu content_type=%s "
               "elapsed_ms=%ld error=%s\n",
               threads_http_outcome_name(resp.outcome), resp.status,
               (unsigned long)resp.body_len,
               resp.content_type ? resp.content_type : "-",
               (long)apr_time_as_msec(resp.elapsed),
               resp.error ? resp.error : "-");
        fflush(stdout);
        apr_thread_mutex_unlock(job->print_lock);
        if (resp.outcome != THREADS_HTTP_OK) {
            job->failures++;
        }
        if (job->body_file != NULL && i == job->calls - 1) {
            check_save_body(job->body_file, &resp);
        }
        apr_pool_destroy(p);
    }
    if (thread != NULL) {
        apr_thread_exit(thread, APR_SUCCESS);
    }
    return NULL;
}

/* Runs the calls on nthreads threads sharing one handle pool; returns the
 * number of calls that did not end "ok". */
static int check_run(apr_pool_t *p, check_job_t *proto, int nthreads)
{
    check_job_t *jobs = apr_pcalloc(p, sizeof(*jobs) * (apr_size_t)nthreads);
    apr_thread_t **threads =
        apr_pcalloc(p, sizeof(*threads) * (apr_size_t)nthreads);
    int i, failures = 0;

    if (nthreads == 1) {
        check_worker(NULL, proto);
        return proto->failures;
    }
    for (i = 0; i < nthreads; i++) {
        jobs[i] = *proto;
        jobs[i].body_file = NULL;
        if (apr_thread_create(&threads[i], NULL, check_worker, &jobs[i], p) !=
            APR_SUCCESS) {
            fprintf(stderr, "http_check: cannot start a thread\n");
            exit(2);
        }
    }
    for (i = 0; i < nthreads; i++) {
        apr_status_t rv;

        apr_thread_join(&rv, threads[i]);
        failures += jobs[i].failures;
    }
    return failures;
}

/* Parses the options, then makes the calls and reports each one. */
int main(int argc, char **argv)
{
    threads_http_options_t opts = {0, 1, NULL, NULL, "http_check"};
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    check_job_t job;
    apr_pool_t *process_pool;
    int opt, nthreads = 1, failures;
    long n;

    memset(&job, 0, sizeof(job));
    job.calls = 1;
    opts.timeout = apr_time_from_sec(10);
    while ((opt = getopt(argc, argv, "X:d:b:t:kc:x:A:n:j:o:")) != -1) {
        switch (opt) {
            case 'X':
                req.method = optarg;
                break;
            case 'd':
                req.form = optarg;
                break;
            case 'b':
                req.bearer = optarg;
                break;
            case 't':
                n = check_number(optarg);
                if (n == 0) {
                    return check_usage();
                }
                opts.timeout = (apr_interval_time_t)n * 1000;
                break;
            case 'k':
                opts.ssl_verify = 0;
                break;
            case 'c':
                opts.ca_file = optarg;
                break;
            case 'x':
                opts.proxy = optarg;
                break;
            case 'A':
                opts.user_agent = optarg;
                break;
            case 'n':
                job.calls = (int)check_number(optarg);
                if (job.calls == 0) {
                    return check_usage();
                }
                break;
            case 'j':
                nthreads = (int)check_number(optarg);
                if (nthreads == 0) {
                    return check_usage();
                }
                break;
            case 'o':
                job.body_file = optarg;
                break;
            default:
                return check_usage();
        }
    }
    if (optind != argc - 1) {
        return check_usage();
    }
    req.url = argv[optind];

    apr_initialize();
    apr_pool_create(&process_pool, NULL);
    /* Twice, as httpd's two post_config passes do: the second is a no-op. */
    if (threads_http_global_init(process_pool) != APR_SUCCESS ||
        threads_http_global_init(process_pool) != APR_SUCCESS ||
        threads_http_pool_create(process_pool, &job.pool) != APR_SUCCESS) {
        fprintf(stderr, "http_check: set-up failed\n");
        return 2;
    }
    apr_thread_mutex_create(&job.print_lock, APR_THREAD_MUTEX_DEFAULT,
                            process_pool);
    job.opts = &opts;
    job.req = &req;
    failures = check_run(process_pool, &job, nthreads);
    apr_pool_destroy(process_pool);
    apr_terminate();
    return failures == 0 ? 0 : 1;
}
