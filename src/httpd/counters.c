/*
 * counters.c: the module's counters (counters.h).
 *
 * The counters live in anonymous shared memory made once per httpd, on
 * the process pool: the children inherit it at fork, every generation of
 * the configuration finds it again, so the numbers are summed over all
 * processes and survive graceful restarts. The pool's own cleanup (APR's,
 * not this module's code) frees it when httpd exits. Requests only add to
 * it with atomic operations: no lock on the request path.
 */
#include "httpd/counters.h"

#include "core/codec.h"

#include "http_protocol.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_status.h"
#include "scoreboard.h"

/* The process pool userdata that holds the shared memory, followed by
 * the layout's fingerprint (threads_counters_key). */
#define THREADS_COUNTERS_KEY    "threads_oauth:counters:"
#define THREADS_METRICS_HANDLER "threads-oauth-metrics"

/* How a counter is shown: its Prometheus name (without the prefix), its
 * server-status key, its kind and what it counts. */
typedef struct {
    const char *metric;
    const char *label; /* a label's name, when several counters form one
                          metric, and its value */
    const char *value;
    const char *status_key;
    int is_gauge;
    const char *help;
} threads_counter_info_t;

static const threads_counter_info_t threads_counter_info[THREADS_C_COUNT] = {
    [THREADS_C_LOGIN_STARTED] = {"logins_started_total", NULL, NULL,
                                 "LoginsStarted", 0,
                                 "Logins sent to the Authorization Window"},
    [THREADS_C_LOGIN_COMPLETED] = {"logins_completed_total", NULL, NULL,
                                   "LoginsCompleted", 0,
                                   "Logins that ended with a token kept"},
    [THREADS_C_LOGIN_CANCELLED] = {"logins_cancelled_total", NULL, NULL,
                                   "LoginsCancelled", 0,
                                   "Logins the user cancelled, or Threads "
                                   "refused to authorize"},
    [THREADS_C_LOGIN_FAILED_STATE] = {"logins_failed_total", "reason", "state",
                                      "LoginsFailedState", 0,
                                      "Logins that failed, by reason"},
    [THREADS_C_LOGIN_FAILED_REJECTED] = {"logins_failed_total", "reason",
                                         "rejected", "LoginsFailedRejected", 0,
                                         NULL},
    [THREADS_C_LOGIN_FAILED_UNREACHABLE] = {"logins_failed_total", "reason",
                                            "unreachable",
                                            "LoginsFailedUnreachable", 0, NULL},
    [THREADS_C_LOGIN_FAILED_TIMEOUT] = {"logins_failed_total", "reason",
                                        "timeout", "LoginsFailedTimeout", 0,
                                        NULL},
    [THREADS_C_LOGIN_FAILED_BAD_ANSWER] = {"logins_failed_total", "reason",
                                           "bad_answer",
                                           "LoginsFailedBadAnswer", 0, NULL},
    [THREADS_C_LOGIN_FAILED_SERVER] = {"logins_failed_total", "reason",
                                       "server", "LoginsFailedServer", 0, NULL},
    [THREADS_C_LONG_LIVED_EXCHANGES] = {"long_lived_exchanges_total", NULL,
                                        NULL, "LongLivedExchanges", 0,
                                        "Short-lived tokens traded for "
                                        "60-day ones"},
    [THREADS_C_LONG_LIVED_FAILED] = {"long_lived_exchanges_failed_total", NULL,
                                     NULL, "LongLivedExchangesFailed", 0,
                                     "Long-lived exchanges that failed"},
    [THREADS_C_REFRESH_DONE] = {"refreshes_total", "outcome", "done",
                                "RefreshesDone", 0,
                                "Token refreshes, by outcome"},
    [THREADS_C_REFRESH_FAILED] = {"refreshes_total", "outcome", "failed",
                                  "RefreshesFailed", 0, NULL},
    [THREADS_C_REVOKED_LOGOUT] = {"revocations_total", "cause", "logout",
                                  "RevocationsLogout", 0,
                                  "Logins ended, by cause"},
    [THREADS_C_REVOKED_DEAUTHORIZE] = {"revocations_total", "cause",
                                       "deauthorize", "RevocationsDeauthorize",
                                       0, NULL},
    [THREADS_C_REVOKED_DELETE] = {"revocations_total", "cause", "delete",
                                  "RevocationsDelete", 0, NULL},
    [THREADS_C_UNAUTHORIZED] = {"unauthorized_total", NULL, NULL,
                                "Unauthorized", 0, "401 answers of the module"},
    [THREADS_C_STORE_FAILED] = {"revocation_cache_failures_total", NULL, NULL,
                                "RevocationCacheFailures", 0,
                                "Calls to ThreadsRevocationCache that "
                                "failed"},
    [THREADS_C_CALLS] = {"threads_calls_total", NULL, NULL, "ThreadsCalls", 0,
                         "Calls to Threads"},
    [THREADS_C_CALL_MS_TOTAL] = {"threads_call_milliseconds_total", NULL, NULL,
                                 "ThreadsCallMsTotal", 0,
                                 "Time spent in calls to Threads"},
    [THREADS_C_CALL_MS_MAX] = {"threads_call_milliseconds_max", NULL, NULL,
                               "ThreadsCallMsMax", 1,
                               "The slowest call to Threads since start"},
};

/* The upper bounds (milliseconds) of the latency histogram's buckets;
 * one more bucket takes the rest. */
static const apr_uint64_t threads_call_bounds[] = {50,   100,  250,  500,
                                                   1000, 2500, 5000, 10000};
#define THREADS_CALL_BUCKETS                                                   \
    ((int)(sizeof(threads_call_bounds) / sizeof(*threads_call_bounds)))

/* The shared memory: THREADS_C_COUNT counters, then the histogram's
 * buckets (not cumulative: each call adds to one). */
#define THREADS_COUNTERS_SLOTS (THREADS_C_COUNT + THREADS_CALL_BUCKETS + 1)

/* The shared counters; the pointer is set in post_config only. */
static volatile apr_uint64_t *threads_counters;

/* The userdata key of this build's counters: the prefix and a
 * fingerprint of their layout (every server-status key in order, and the
 * histogram's bounds). A graceful restart into a build whose counters
 * differ in number or order (an upgrade, a downgrade) finds no memory
 * under its key and starts them anew rather than read them under the
 * wrong names; the old memory stays for the old generation's children
 * and goes with httpd. */
static const char *threads_counters_key(apr_pool_t *p)
{
    const char *layout = "";
    int i;

    for (i = 0; i < THREADS_C_COUNT; i++) {
        layout = apr_pstrcat(p, layout, threads_counter_info[i].status_key, ";",
                             (char *)NULL);
    }
    for (i = 0; i < THREADS_CALL_BUCKETS; i++) {
        layout = apr_psprintf(p, "%s%" APR_UINT64_T_FMT ",", layout,
                              threads_call_bounds[i]);
    }
    return apr_psprintf(p, THREADS_COUNTERS_KEY "%08x",
                        (unsigned)threads_fnv1a(layout, strlen(layout)));
}

apr_status_t threads_counters_setup(server_rec *s)
{
    apr_pool_t *pool = s->process->pool;
    /* apr_pool_userdata_set keeps its own copy of the key. */
    const char *key = threads_counters_key(s->process->pconf);
    apr_shm_t *shm = NULL;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&shm, key, pool);
    if (!shm) {
        rv = apr_shm_create(&shm, THREADS_COUNTERS_SLOTS * sizeof(apr_uint64_t),
                            NULL, pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         THREADS_LOGNO(00227) "cannot make the shared memory "
                                              "of the counters");
            return rv;
        }
        memset(apr_shm_baseaddr_get(shm), 0,
               THREADS_COUNTERS_SLOTS * sizeof(apr_uint64_t));
        apr_pool_userdata_set(shm, key, apr_pool_cleanup_null, pool);
    }
    threads_counters = apr_shm_baseaddr_get(shm);
    return APR_SUCCESS;
}

void threads_count(threads_counter_e which)
{
    if (threads_counters) {
        apr_atomic_inc64(&threads_counters[which]);
    }
}

void threads_count_call(apr_interval_time_t elapsed)
{
    apr_uint64_t ms, max;
    int bucket = 0;

    if (!threads_counters) {
        return;
    }
    /* The wall clock may step back during a call. */
    if (elapsed < 0) {
        elapsed = 0;
    }
    ms = (apr_uint64_t)apr_time_as_msec(elapsed);
    /* Buckets by the microsecond: a call of 50.7 ms is above 50 ms. */
    while (bucket < THREADS_CALL_BUCKETS &&
           (apr_uint64_t)elapsed > threads_call_bounds[bucket] * 1000) {
        bucket++;
    }
    apr_atomic_inc64(&threads_counters[THREADS_C_COUNT + bucket]);
    apr_atomic_inc64(&threads_counters[THREADS_C_CALLS]);
    apr_atomic_add64(&threads_counters[THREADS_C_CALL_MS_TOTAL], ms);
    /* A maximum without a lock: retry while another thread raised it. */
    do {
        max = apr_atomic_read64(&threads_counters[THREADS_C_CALL_MS_MAX]);
    } while (ms > max &&
             apr_atomic_cas64(&threads_counters[THREADS_C_CALL_MS_MAX], ms,
                              max) != max);
}

/* The value of a counter now. */
static apr_uint64_t threads_counter_value(int which)
{
    return threads_counters ? apr_atomic_read64(&threads_counters[which]) : 0;
}

int threads_counters_status(request_rec *r, int flags)
{
    int i;

    if (!threads_counters || !ap_extended_status) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < THREADS_C_COUNT; i++) {
            ap_rprintf(r, "ThreadsOAuth%s: %" APR_UINT64_T_FMT "\n",
                       threads_counter_info[i].status_key,
                       threads_counter_value(i));
        }
        return OK;
    }
    ap_rputs("<hr />\n<h2>Threads OAuth</h2>\n<table border=\"0\">\n", r);
    for (i = 0; i < THREADS_C_COUNT; i++) {
        ap_rprintf(r,
                   "<tr><td>%s</td><td align=\"right\">%" APR_UINT64_T_FMT
                   "</td></tr>\n",
                   threads_counter_info[i].status_key,
                   threads_counter_value(i));
    }
    ap_rputs("</table>\n", r);
    return OK;
}

/* The latency of calls to Threads as a Prometheus histogram, in
 * seconds. Its count is the +Inf bucket, read once: a call ending during
 * the scrape cannot make them differ. */
static void threads_counters_histogram(request_rec *r)
{
    apr_uint64_t cumulative = 0;
    int i;

    ap_rputs("# HELP threads_oauth_threads_call_duration_seconds How long "
             "calls to Threads took\n"
             "# TYPE threads_oauth_threads_call_duration_seconds histogram\n",
             r);
    for (i = 0; i <= THREADS_CALL_BUCKETS; i++) {
        cumulative += threads_counter_value(THREADS_C_COUNT + i);
        if (i < THREADS_CALL_BUCKETS) {
            ap_rprintf(r,
                       "threads_oauth_threads_call_duration_seconds_bucket"
                       "{le=\"%" APR_UINT64_T_FMT ".%03" APR_UINT64_T_FMT
                       "\"} %" APR_UINT64_T_FMT "\n",
                       threads_call_bounds[i] / 1000,
                       threads_call_bounds[i] % 1000, cumulative);
        }
        else {
            ap_rprintf(r,
                       "threads_oauth_threads_call_duration_seconds_bucket"
                       "{le=\"+Inf\"} %" APR_UINT64_T_FMT "\n",
                       cumulative);
        }
    }
    ap_rprintf(
        r,
        "threads_oauth_threads_call_duration_seconds_sum %" APR_UINT64_T_FMT
        ".%03" APR_UINT64_T_FMT "\n"
        "threads_oauth_threads_call_duration_seconds_count "
        "%" APR_UINT64_T_FMT "\n",
        threads_counter_value(THREADS_C_CALL_MS_TOTAL) / 1000,
        threads_counter_value(THREADS_C_CALL_MS_TOTAL) % 1000, cumulative);
}

int threads_counters_handler(request_rec *r)
{
    const char *done = "";
    int i;

    if (!r->handler || strcmp(r->handler, THREADS_METRICS_HANDLER)) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
        return HTTP_METHOD_NOT_ALLOWED;
    }
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    for (i = 0; i < THREADS_C_COUNT; i++) {
        const threads_counter_info_t *c = &threads_counter_info[i];

        /* The histogram below has their count and sum. */
        if (i == THREADS_C_CALLS || i == THREADS_C_CALL_MS_TOTAL) {
            continue;
        }
        /* HELP and TYPE once per metric, before its first sample. */
        if (strcmp(done, c->metric)) {
            ap_rprintf(r, "# HELP threads_oauth_%s %s\n", c->metric,
                       c->help ? c->help : "");
            ap_rprintf(r, "# TYPE threads_oauth_%s %s\n", c->metric,
                       c->is_gauge ? "gauge" : "counter");
            done = c->metric;
        }
        if (c->label) {
            ap_rprintf(r, "threads_oauth_%s{%s=\"%s\"} %" APR_UINT64_T_FMT "\n",
                       c->metric, c->label, c->value, threads_counter_value(i));
        }
        else {
            ap_rprintf(r, "threads_oauth_%s %" APR_UINT64_T_FMT "\n", c->metric,
                       threads_counter_value(i));
        }
    }
    threads_counters_histogram(r);
    return OK;
}
