/*
 * page.h: every response the module writes itself.
 *
 * The page renders what it is handed: URLs come in as arguments, so it
 * depends on nothing of the login flow.
 */
#ifndef THREADS_HTTPD_PAGE_H
#define THREADS_HTTPD_PAGE_H

#include "httpd/module.h"

/* The module's error pages, one row each in page.c's table (status,
 * THREADS_ERROR, title, message, link text). */
typedef enum {
    THREADS_PAGE_STATE_EXPIRED,   /* 400: state missing, unknown, used, old */
    THREADS_PAGE_NO_CODE,         /* 400: a callback without a code */
    THREADS_PAGE_TOKEN_REJECTED,  /* 403: Threads refused the exchange */
    THREADS_PAGE_THREADS_TIMEOUT, /* 504: Threads too slow */
    THREADS_PAGE_THREADS_DOWN,    /* 502: unreachable, TLS, unusable */
    THREADS_PAGE_CANCELLED,       /* 403: the user pressed Cancel */
    THREADS_PAGE_AUTHORIZE_ERROR, /* 400: Threads reported another error */
    THREADS_PAGE_BAD_LOGIN_LINK,  /* 400: ?login= leads off this site */
    THREADS_PAGE_BAD_LOGOUT_LINK, /* 400: ?logout= leads off this site */
    THREADS_PAGE_PARAM_TOO_LONG,  /* 400 */
    THREADS_PAGE_PARAM_TWICE,     /* 400 */
    THREADS_PAGE_MALFORMED,       /* 400: bad escapes, empty names */
    THREADS_PAGE_NO_ENDPOINT,     /* 400: the callback without a parameter
                                     it knows */
    THREADS_PAGE_SESSION_MISSING, /* 500: mod_session cannot keep logins */
    THREADS_PAGE_NO_USERNAME      /* 502: ThreadsRemoteUser username, and
                                     Threads did not say the username */
} threads_page_error_e;

/* What varies between two answers of the same error page. */
typedef struct {
    const char *error;       /* THREADS_ERROR; NULL: the table's */
    const char *description; /* THREADS_ERROR_DESCRIPTION, shown as a
                                detail; NULL: none */
    const char *link_url;    /* NULL: the table's (the home page) */
} threads_page_detail_t;

/* Marks a response as the module's, errors included: Cache-Control:
 * no-store (and Pragma), Referrer-Policy: no-referrer (the callback's URL
 * holds the code and state), and, once mod_session has saved, one
 * Set-Cookie per cookie and one Cache-Control. */
void threads_page_protect(request_rec *r);

/* The filter that keeps one of each header (registered by the module). */
apr_status_t threads_page_tidy_filter(ap_filter_t *f, apr_bucket_brigade *bb);
#define THREADS_PAGE_TIDY_FILTER "THREADS_TIDY"

/* insert_error_filter: the same filter on httpd's error answer to a
 * request the module marked. */
void threads_page_insert_error_filter(request_rec *r);

/* insert_filter: the same filter on an internal redirect (an
 * ErrorDocument) of a request the module marked: its answer is the
 * module's too. */
void threads_page_insert_filter(request_rec *r);

/* Lets a hook that runs before the handler (check_authn) answer the
 * request: httpd inserts the output filters, mod_session's among them,
 * only on the way to the handler. Call once, before writing. */
void threads_page_from_hook(request_rec *r);

/* Sends a complete response of our own: status, content type, body.
 * Returns DONE. */
int threads_page_send(request_rec *r, int status, const char *content_type,
                      const char *body);

/* 302 to location (built by the module or checked local). */
int threads_page_redirect(request_rec *r, const char *location);

/* An error page: sets THREADS_ERROR and THREADS_ERROR_DESCRIPTION (notes
 * and environment), then leaves the answer to an ErrorDocument for its
 * status, or writes an escaped HTML page with its title, message, detail
 * and link. detail may be NULL. */
int threads_page_error(request_rec *r, threads_page_error_e which,
                       const threads_page_detail_t *detail);

/* The page that asks before a logout another site started: a button that
 * posts back to action (a local URL), from this site. 200. */
int threads_page_confirm_logout(request_rec *r, const char *action);

/* The status page of a data deletion request: found (when, Unix seconds)
 * or, when 0, 404. sessions_ended: whether the request ended the user's
 * sign-ins (a ThreadsRevocationCache) or only what the site keeps. */
int threads_page_deletion_status(request_rec *r, apr_int64_t when,
                                 int sessions_ended);

/* In the internal redirect to an ErrorDocument: THREADS_ERROR and
 * THREADS_ERROR_DESCRIPTION of the failed request, under their own names
 * (httpd adds the REDIRECT_ ones). */
void threads_page_pass_error(request_rec *r);

/* The 401 answer for scripts:
 * {"error":"login_required","login_url":<login_url>}. */
int threads_page_login_required(request_rec *r, const char *login_url);

#endif /* THREADS_HTTPD_PAGE_H */
