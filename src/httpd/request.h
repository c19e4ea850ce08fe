/*
 * request.h: what the module learns about one request, and the session's
 * token read once per request.
 */
#ifndef THREADS_HTTPD_REQUEST_H
#define THREADS_HTTPD_REQUEST_H

#include "httpd/module.h"

#include "core/token.h"

/* Kept in r->request_config. The fields about the login live in the state
 * of the initial request, so subrequests and internal redirects share
 * them; authn_done and tidy_added are per request_rec. */
typedef struct {
    int token_loaded;       /* the session was read */
    threads_token_t *token; /* the session's token record, or NULL */
    int expiry_logged;      /* "token expired" was logged */
    int log_capped;         /* the module handles it: its log is capped */
    int marked;             /* the module wrote (or started) its answer */
    int authn_done;         /* check_authn ran for this request_rec */
    int tidy_added;         /* the tidy filter is on this request_rec */
} threads_request_t;

/* create_request hook: a fresh state for every request_rec. */
int threads_request_create(request_rec *r);

/* The state of this very request_rec. */
threads_request_t *threads_request_of(request_rec *r);

/* The state of the initial request behind r (through r->main, r->prev). */
threads_request_t *threads_request_state(request_rec *r);

/* 1 for a subrequest or an internal redirect: they never start a login,
 * refresh a token or write the session. */
int threads_request_is_internal(const request_rec *r);

/* The session's token record, read and opened once per initial request,
 * and checked against ThreadsRevocationCache (one lookup): never a call to
 * Threads, never a write. NULL when there is none, it does not open, or
 * its login was revoked. The record may have expired. */
threads_token_t *threads_request_load_token(request_rec *r);

/* Drops the loaded token for the rest of the request (dead, revoked). */
void threads_request_forget_token(request_rec *r);

/* The loaded token when it has not expired, else NULL. */
threads_token_t *threads_request_valid_token(request_rec *r);

#endif /* THREADS_HTTPD_REQUEST_H */
