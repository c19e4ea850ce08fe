/*
 * graph.h: the module's calls to Threads and what their outcomes mean for
 * the browser's answer.
 */
#ifndef THREADS_HTTPD_GRAPH_H
#define THREADS_HTTPD_GRAPH_H

#include "httpd/module.h"

#include "core/json.h"

/* Exchanges an authorization code. Returns OK with reply filled, or the
 * status to answer: HTTP_FORBIDDEN (Threads refused, reply has its
 * message), HTTP_BAD_GATEWAY, HTTP_GATEWAY_TIME_OUT. */
int threads_graph_exchange_code(request_rec *r, const char *code,
                                threads_token_reply_t *reply);

/* Trades a short-lived token for a 60-day one (same answers). */
int threads_graph_exchange_long_lived(request_rec *r, const char *token,
                                      threads_token_reply_t *reply);
/* Refreshes a long-lived token (same answers). */
int threads_graph_refresh(request_rec *r, const char *token,
                          threads_token_reply_t *reply);
/* Reads id, username and name of the token's user (same answers; when no
 * answer came, reply->kind is INVALID with no problem). */
int threads_graph_profile(request_rec *r, const char *token,
                          threads_profile_reply_t *reply);

/* 1 when a call's status and Threads' error say the token is dead (Graph
 * error 190, whatever the HTTP status): its session counts as logged
 * out. */
int threads_graph_token_dead(int status, const threads_json_error_t *error);

#endif /* THREADS_HTTPD_GRAPH_H */
