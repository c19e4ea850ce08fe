/*
 * store_marks.h: which keys a store in httpd's own memory (shmcb) can
 * hold at all, so that looking up a key it never held takes no lock.
 */
#ifndef THREADS_HTTPD_STORE_MARKS_H
#define THREADS_HTTPD_STORE_MARKS_H

#include "httpd/module.h"

typedef struct threads_store_marks_t threads_store_marks_t;

/* post_config: the marks of one store, in shared memory on pconf that
 * every child inherits; all clear. NULL when the memory cannot be had
 * (the store then looks every key up). */
threads_store_marks_t *threads_store_marks_create(apr_pool_t *pconf);

/* Marks key (len bytes): call before the store is written, from any
 * thread or process. */
void threads_store_marks_set(threads_store_marks_t *marks, const char *key,
                             apr_size_t len);

/* 0 when no key of key's mark was ever written in this generation: the
 * store cannot hold it. 1 when it may. */
int threads_store_marks_maybe(const threads_store_marks_t *marks,
                              const char *key, apr_size_t len);

#endif /* THREADS_HTTPD_STORE_MARKS_H */
