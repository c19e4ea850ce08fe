/*
 * bounds.h: the limits of the protocol side, in one place.
 *
 * Each is a bound on untrusted input (from the browser or from Threads) or
 * on what has to fit a browser cookie; the comments say which.
 */
#ifndef THREADS_CORE_BOUNDS_H
#define THREADS_CORE_BOUNDS_H

/* Largest callback query parameter value accepted (bytes, decoded). */
#define THREADS_PARAM_MAX 4096
/* Largest body read from Threads. */
#define THREADS_BODY_MAX (1024 * 1024)
/* Longest original URL kept in a pending login; longer ones return to /. */
#define THREADS_RETURN_URL_MAX 2048
/* Pending logins kept per session (browser tabs). */
#define THREADS_PENDING_MAX 8
/* Random bytes in a state value: 192 bits, 32 base64url characters. */
#define THREADS_STATE_BYTES 24
/* Longest access token accepted from Threads (it has to fit a cookie). */
#define THREADS_TOKEN_MAX 2048
/* Longest user id accepted (decimal digits). */
#define THREADS_USER_ID_MAX 32
/* Token lifetimes when Threads gives no expires_in: 1 hour, 60 days. */
#define THREADS_SHORT_TOKEN_LIFETIME 3600
#define THREADS_LONG_TOKEN_LIFETIME  (60 * 86400)

/* The longest a token is kept, whatever expires_in says: Threads issues
 * 60-day tokens. Revocations are kept this long after they are made. */
#define THREADS_TOKEN_LIFETIME_MAX (61 * 86400)

#endif /* THREADS_CORE_BOUNDS_H */
