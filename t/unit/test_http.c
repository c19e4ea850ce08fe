/*
 * test_http.c: outgoing calls (src/core/http.c) against a peer on
 * loopback that this file runs in a thread of its own: what goes out on
 * the wire, what each kind of answer becomes, the size cap, the time
 * limit, redirects not followed, the environment's proxy ignored, and a
 * kept-alive connection reused by the handle pool.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "apr_strings.h"

#include "core/bounds.h"
#include "core/http.h"
#include "unit.h"

/* How the peer answers a request. */
typedef enum {
    PEER_JSON,     /* 200 with a small JSON body, keep-alive */
    PEER_REDIRECT, /* 302 to another path */
    PEER_HUGE,     /* a Content-Length over THREADS_BODY_MAX */
    PEER_CHUNKED,  /* a chunked body that grows past THREADS_BODY_MAX */
    PEER_SLOW,     /* sleeps past the caller's time limit */
    PEER_CLOSE     /* closes without a byte */
} peer_mode_e;

/* The loopback peer: a listening socket and what it saw. */
typedef struct {
    int listen_fd;
    int port;
    peer_mode_e mode;
    pthread_t thread;
    int requests;    /* requests answered */
    int connections; /* connections accepted */
    char last_head[4096];
    char last_body[4096];
} peer_t;

static peer_t peer;

/* Copies the string s into a record of size bytes, cut to fit. */
static void peer_keep(char *record, size_t size, const char *s)
{
    size_t n = strlen(s);

    if (n >= size) {
        n = size - 1;
    }
    memcpy(record, s, n);
    record[n] = '\0';
}

/* Reads one request head (and a Content-Length body) from fd into the
 * peer's record; 0 when the client closed. */
static int peer_read_request(int fd)
{
    char buf[8192];
    size_t len = 0;
    char *end, *cl;
    long body_len = 0;

    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

        if (n <= 0) {
            return 0;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL || len == sizeof(buf) - 1) {
            break;
        }
    }
    if (end == NULL) {
        return 0;
    }
    *end = '\0';
    peer_keep(peer.last_head, sizeof(peer.last_head), buf);
    cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl != NULL) {
        body_len = strtol(cl + 17, NULL, 10);
    }
    end += 4;
    len -= (size_t)(end - buf);
    memmove(buf, end, len);
    while ((long)len < body_len && len < sizeof(buf) - 1) {
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

        if (n <= 0) {
            return 0;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    peer_keep(peer.last_body, sizeof(peer.last_body), buf);
    return 1;
}

/* Writes len bytes of s to fd; 0 when the client went away. */
static int peer_send_bytes(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

        if (n <= 0) {
            return 0;
        }
        s += n;
        len -= (size_t)n;
    }
    return 1;
}

/* Writes the string s to fd; 0 when the client went away. */
static int peer_send(int fd, const char *s)
{
    return peer_send_bytes(fd, s, strlen(s));
}

/* Answers one request as the peer's mode says; 0 to close. */
static int peer_answer(int fd)
{
    static const char json[] =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Content-Length: 18\r\n\r\n{\"access_token\":1}";
    char chunk[8192 + 16];
    int i;

    switch (peer.mode) {
        case PEER_JSON:
            return peer_send(fd, json);
        case PEER_REDIRECT:
            peer_send(fd, "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n"
                          "Content-Length: 0\r\n\r\n");
            return 1;
        case PEER_HUGE:
            peer_send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n");
            return 0;
        case PEER_CHUNKED:
            peer_send(fd,
                      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            memcpy(chunk, "2000\r\n", 6);
            memset(chunk + 6, 'x', 8192);
            memcpy(chunk + 6 + 8192, "\r\n", 2);
            for (i = 0; i < 200; i++) {
                if (!peer_send_bytes(fd, chunk, 6 + 8192 + 2)) {
                    break;
                }
            }
            return 0;
        case PEER_SLOW:
            sleep(2);
            return 0;
        case PEER_CLOSE:
            return 0;
    }
    return 0;
}

/* The peer's thread: one connection at a time, requests on it in turn. */
static void *peer_main(void *arg)
{
    (void)arg;
    for (;;) {
        int fd = accept(peer.listen_fd, NULL, NULL);

        if (fd < 0) {
            return NULL;
        }
        peer.connections++;
        while (peer_read_request(fd)) {
            peer.requests++;
            if (!peer_answer(fd)) {
                break;
            }
        }
        close(fd);
    }
}

/* Starts the peer on 127.0.0.1 and initialises libcurl; the fixture of
 * every test here. */
static void peer_setup(void)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    int one = 1;

    unit_setup();
    ck_assert_int_eq(threads_http_global_init(unit_pool), APR_SUCCESS);
    memset(&peer, 0, sizeof(peer));
    peer.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(peer.listen_fd, 0);
    setsockopt(peer.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(peer.listen_fd, (struct sockaddr *)&sa, sizeof(sa)),
                     0);
    ck_assert_int_eq(listen(peer.listen_fd, 8), 0);
    getsockname(peer.listen_fd, (struct sockaddr *)&sa, &salen);
    peer.port = ntohs(sa.sin_port);
    ck_assert_int_eq(pthread_create(&peer.thread, NULL, peer_main, NULL), 0);
}

/* Stops the peer: shutting the listener down ends accept(), and the
 * test's pool takes the handle pool's kept-alive connections with it. */
static void peer_teardown(void)
{
    shutdown(peer.listen_fd, SHUT_RDWR);
    close(peer.listen_fd);
    unit_teardown();
    pthread_join(peer.thread, NULL);
}

/* The peer's URL for path. */
static const char *peer_url(const char *path)
{
    return apr_psprintf(unit_pool, "http://127.0.0.1:%d%s", peer.port, path);
}

/* One call with a time limit of ms milliseconds. */
static void call(threads_http_pool_t *pool, const threads_http_request_t *req,
                 long ms, threads_http_response_t *resp)
{
    threads_http_options_t opts = {0, 1, NULL, NULL, "unit-agent"};

    opts.timeout = (apr_interval_time_t)ms * 1000;
    threads_http_perform(pool, unit_pool, &opts, req, resp);
}

/* A POST goes out with the form as its body, the agent, JSON wanted and
 * no Expect; the answer comes back whole. */
START_TEST(post_form_and_answer)
{
    threads_http_request_t req = {"POST", NULL, "a=1&b=two", NULL};
    threads_http_response_t resp;

    peer.mode = PEER_JSON;
    req.url = peer_url("/oauth/access_token");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_OK);
    ck_assert_int_eq(resp.status, 200);
    ck_assert_str_eq(resp.body, "{\"access_token\":1}");
    ck_assert_uint_eq(resp.body_len, 18);
    ck_assert_str_eq(resp.content_type, "application/json");
    ck_assert_ptr_nonnull(strstr(peer.last_head, "POST /oauth/access_token "));
    ck_assert_ptr_nonnull(strstr(peer.last_head, "User-Agent: unit-agent"));
    ck_assert_ptr_nonnull(strstr(peer.last_head, "Accept: application/json"));
    ck_assert_ptr_null(strcasestr(peer.last_head, "Expect:"));
    ck_assert_str_eq(peer.last_body, "a=1&b=two");
}
END_TEST

/* A bearer token goes into Authorization; one that could end the header
 * line is refused before anything is sent. */
START_TEST(bearer_header)
{
    threads_http_request_t req = {"GET", NULL, NULL, "TOKEN123"};
    threads_http_response_t resp;

    peer.mode = PEER_JSON;
    req.url = peer_url("/v1.0/me");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_OK);
    ck_assert_ptr_nonnull(
        strstr(peer.last_head, "Authorization: Bearer TOKEN123"));

    req.bearer = "bad\r\nX-Injected: 1";
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_FAILED);
    ck_assert_int_eq(peer.requests, 1);
}
END_TEST

/* A redirect is an answer like any other: never followed. */
START_TEST(redirect_not_followed)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;

    peer.mode = PEER_REDIRECT;
    req.url = peer_url("/refresh_access_token");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_OK);
    ck_assert_int_eq(resp.status, 302);
    ck_assert_int_eq(peer.requests, 1);
}
END_TEST

/* Bodies over THREADS_BODY_MAX stop the transfer, announced or not. */
START_TEST(body_cap)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;

    peer.mode = PEER_HUGE;
    req.url = peer_url("/huge");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_TOO_LARGE);
    ck_assert_uint_eq(resp.body_len, 0);

    peer.mode = PEER_CHUNKED;
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_TOO_LARGE);
    ck_assert_ptr_nonnull(strstr(resp.error, "answer body over"));
}
END_TEST

/* The time limit covers the whole call. */
START_TEST(time_limit)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;

    peer.mode = PEER_SLOW;
    req.url = peer_url("/slow");
    call(NULL, &req, 300, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_TIMEOUT);
    ck_assert_int_ge(apr_time_as_msec(resp.elapsed), 250);
    ck_assert_int_lt(apr_time_as_msec(resp.elapsed), 1500);
}
END_TEST

/* A peer that closes, and a port nobody listens on, are unreachable; the
 * error text never shows the URL's query. */
START_TEST(unreachable)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);

    peer.mode = PEER_CLOSE;
    req.url = peer_url("/x?client_secret=SECRET123");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_UNREACHABLE);
    ck_assert_ptr_null(strstr(resp.error, "SECRET123"));

    /* A port that was bound and is closed again refuses connections. */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    getsockname(fd, (struct sockaddr *)&sa, &salen);
    close(fd);
    req.url =
        apr_psprintf(unit_pool, "http://127.0.0.1:%d/x?access_token=TOKEN456",
                     ntohs(sa.sin_port));
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_UNREACHABLE);
    ck_assert_ptr_null(strstr(resp.error, "TOKEN456"));
    ck_assert_str_eq(threads_http_outcome_name(resp.outcome), "unreachable");
}
END_TEST

/* http_proxy in the environment is never used: only ThreadsOutgoingProxy
 * is. */
START_TEST(environment_proxy_ignored)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;

    setenv("http_proxy", "http://127.0.0.1:1", 1);
    setenv("ALL_PROXY", "http://127.0.0.1:1", 1);
    peer.mode = PEER_JSON;
    req.url = peer_url("/direct");
    call(NULL, &req, 5000, &resp);
    unsetenv("http_proxy");
    unsetenv("ALL_PROXY");
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_OK);
    ck_assert_int_eq(peer.requests, 1);
}
END_TEST

/* Calls through a handle pool keep their connection alive; calls
 * without one each open their own. */
START_TEST(pool_reuses_connection)
{
    threads_http_request_t req = {"GET", NULL, NULL, NULL};
    threads_http_response_t resp;
    threads_http_pool_t *pool;
    int i;

    ck_assert_int_eq(threads_http_pool_create(unit_pool, &pool), APR_SUCCESS);
    peer.mode = PEER_JSON;
    req.url = peer_url("/again");
    for (i = 0; i < 3; i++) {
        call(pool, &req, 5000, &resp);
        ck_assert_int_eq(resp.outcome, THREADS_HTTP_OK);
    }
    ck_assert_int_eq(peer.requests, 3);
    ck_assert_int_eq(peer.connections, 1);
}
END_TEST

/* Requests the module never makes are refused without a call. */
START_TEST(bad_requests_refused)
{
    threads_http_request_t req = {"DELETE", NULL, NULL, NULL};
    threads_http_response_t resp;

    req.url = peer_url("/x");
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_FAILED);
    req.method = "GET";
    req.url = NULL;
    call(NULL, &req, 5000, &resp);
    ck_assert_int_eq(resp.outcome, THREADS_HTTP_FAILED);
    ck_assert_int_eq(peer.connections, 0);
}
END_TEST

/* The suite of src/core/http.c. */
Suite *threads_http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");

    tcase_add_checked_fixture(tc, peer_setup, peer_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, post_form_and_answer);
    tcase_add_test(tc, bearer_header);
    tcase_add_test(tc, redirect_not_followed);
    tcase_add_test(tc, body_cap);
    tcase_add_test(tc, time_limit);
    tcase_add_test(tc, unreachable);
    tcase_add_test(tc, environment_proxy_ignored);
    tcase_add_test(tc, pool_reuses_connection);
    tcase_add_test(tc, bad_requests_refused);
    suite_add_tcase(s, tc);
    return s;
}
