/*
 * fuzz_common.c: APR set-up, per-input pools and shared checks of the fuzz
 * targets.
 *
 * APR carves allocations out of 8 KiB blocks, so an overrun of one pool
 * allocation lands in the next and AddressSanitizer sees nothing. While an
 * input runs, apr_palloc on its pool is therefore replaced by a malloc per
 * call (libapr calls apr_palloc through its PLT, so apr_pstrdup, arrays and
 * tables are covered too); the blocks are freed after the pool is
 * destroyed, once its cleanups have run. apr_psprintf still allocates from
 * the pool itself.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"

#include "core/url.h"
#include "fuzz_common.h"

typedef void *(*fuzz_palloc_fn)(apr_pool_t *p, apr_size_t size);

/* The pool of the running input, whose allocations are tracked. */
static apr_pool_t *fuzz_current;
/* libapr's own apr_palloc, for every other pool. */
static fuzz_palloc_fn fuzz_real_palloc;
/* The blocks handed out for the running input. */
static void **fuzz_blocks;
static size_t fuzz_nblocks, fuzz_cap;

/* Reports a broken invariant and aborts, so libFuzzer keeps the input. */
void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    abort();
}

/* apr_palloc: one malloc per call on the running input's pool, libapr's
 * allocator on any other pool. */
APR_DECLARE(void *) apr_palloc(apr_pool_t *p, apr_size_t size)
{
    void *mem;

    if (fuzz_current == NULL || p != fuzz_current) {
        if (fuzz_real_palloc == NULL) {
            fuzz_real_palloc = (fuzz_palloc_fn)dlsym(RTLD_NEXT, "apr_palloc");
            if (fuzz_real_palloc == NULL) {
                fuzz_fail(__FILE__, __LINE__, "libapr's apr_palloc not found");
            }
        }
        return fuzz_real_palloc(p, size);
    }
    if (fuzz_nblocks == fuzz_cap) {
        size_t cap = fuzz_cap ? fuzz_cap * 2 : 256;
        void **blocks = realloc(fuzz_blocks, cap * sizeof(*blocks));

        if (blocks == NULL) {
            abort();
        }
        fuzz_blocks = blocks;
        fuzz_cap = cap;
    }
    mem = malloc(size > 0 ? size : 1);
    if (mem == NULL) {
        abort();
    }
    fuzz_blocks[fuzz_nblocks++] = mem;
    return mem;
}

/* A fresh pool for one input (initialising APR on first use). */
apr_pool_t *fuzz_pool_begin(void)
{
    static int initialised;
    apr_pool_t *p = NULL;

    if (!initialised) {
        if (apr_initialize() != APR_SUCCESS) {
            fuzz_fail(__FILE__, __LINE__, "apr_initialize failed");
        }
        atexit(apr_terminate);
        initialised = 1;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        fuzz_fail(__FILE__, __LINE__, "apr_pool_create failed");
    }
    fuzz_current = p;
    fuzz_nblocks = 0;
    return p;
}

/* Destroys the input's pool, then frees the blocks it handed out: pool
 * cleanups run first and may still read them. */
void fuzz_pool_end(apr_pool_t *p)
{
    size_t i;

    apr_pool_destroy(p);
    fuzz_current = NULL;
    for (i = 0; i < fuzz_nblocks; i++) {
        free(fuzz_blocks[i]);
    }
    fuzz_nblocks = 0;
}

/* A NUL-terminated copy of the input, cut at its first NUL; exactly as
 * large as needed, so reading past the terminator is caught. */
char *fuzz_cstring(apr_pool_t *p, const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul != NULL ? (size_t)(nul - data) : size;
    char *s = apr_palloc(p, len + 1);

    memcpy(s, data, len);
    s[len] = '\0';
    return s;
}

/* 1 when len bytes of s are well-formed UTF-8. Written apart from
 * src/core/text.c's decoder on purpose: an oracle that shared the code under
 * test would share its bugs. */
int fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = u[i];
        size_t n, k;
        unsigned long cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
            cp = c & 0x1f;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            cp = c & 0x0f;
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            cp = c & 0x07;
        }
        else {
            return 0;
        }
        if (len - i < n) {
            return 0;
        }
        for (k = 1; k < n; k++) {
            if ((u[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (u[i + k] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            return 0;
        }
        i += n;
    }
    return 1;
}

/* 1 when every byte of s is printable ASCII (0x20..0x7e). */
int fuzz_is_printable(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* 1 when the path of url (before '?' or '#') has a segment that is "."
 * or "..", each dot possibly written %2e or %2E, as browsers read it. */
static int fuzz_has_dot_segment(const char *url)
{
    char seg[8];
    size_t n = 0, i;

    for (i = 1;; i++) {
        char c = url[i];

        if (c == '/' || c == '?' || c == '#' || c == '\0') {
            seg[n < sizeof(seg) ? n : sizeof(seg) - 1] = '\0';
            if (n <= 2 && (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)) {
                return 1;
            }
            if (c != '/') {
                return 0;
            }
            n = 0;
            continue;
        }
        if (c == '%' && url[i + 1] == '2' &&
            (url[i + 2] == 'e' || url[i + 2] == 'E')) {
            c = '.';
            i += 2;
        }
        if (n < sizeof(seg) - 1) {
            seg[n] = c;
        }
        n++;
    }
}

/* Calls threads_url_is_local and, when it accepts, checks what a browser
 * would make of url: one leading slash (not "//" or "/\", both of which
 * name another host), and no byte that browsers strip or fold into a slash
 * (controls, space, backslash, non-ASCII lookalikes). */
int fuzz_check_local_url(const char *url)
{
    const unsigned char *c;

    if (!threads_url_is_local(url)) {
        return 0;
    }
    FUZZ_CHECK(url[0] == '/', "accepted local URL does not start with /");
    FUZZ_CHECK(url[1] != '/', "accepted local URL starts with //");
    FUZZ_CHECK(url[1] != '\\', "accepted local URL starts with /\\");
    for (c = (const unsigned char *)url; *c; c++) {
        FUZZ_CHECK(*c >= 0x20 && *c != 0x7f,
                   "accepted local URL holds a control character");
        FUZZ_CHECK(*c != ' ', "accepted local URL holds a space");
        FUZZ_CHECK(*c != '\\', "accepted local URL holds a backslash");
        FUZZ_CHECK(*c < 0x80, "accepted local URL holds a byte >= 0x80");
    }
    FUZZ_CHECK(!fuzz_has_dot_segment(url),
               "accepted local URL has a dot segment");
    return 1;
}
