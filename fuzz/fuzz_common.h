/*
 * fuzz_common.h: what every fuzz target shares: APR set-up, one pool per
 * input (its allocations made visible to AddressSanitizer), and checks.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "apr_pools.h"

/* Stops the run with a message when an invariant does not hold (abort()
 * after the noreturn call tells static checkers too). */
#define FUZZ_CHECK(cond, what)                                                 \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fuzz_fail(__FILE__, __LINE__, (what));                             \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
void fuzz_fail(const char *file, int line, const char *what)
    __attribute__((noreturn));

/* A fresh pool for one input (initialising APR on first use). */
apr_pool_t *fuzz_pool_begin(void);

/* Destroys the input's pool and frees everything allocated in it. */
void fuzz_pool_end(apr_pool_t *p);

/* A NUL-terminated copy of the input, cut at its first NUL. */
char *fuzz_cstring(apr_pool_t *p, const uint8_t *data, size_t size);

/* 1 when len bytes of s are well-formed UTF-8 (no overlongs, surrogates or
 * values past U+10FFFF). */
int fuzz_utf8_valid(const char *s, size_t len);

/* 1 when every byte of s is printable ASCII (0x20..0x7e). */
int fuzz_is_printable(const char *s);

/* Calls threads_url_is_local on url and, when it accepts, checks that url
 * cannot leave the server in a browser. Returns what it answered. */
int fuzz_check_local_url(const char *url);

#endif /* FUZZ_COMMON_H */
