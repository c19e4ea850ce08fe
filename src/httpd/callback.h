/*
 * callback.h: the handler of the callback path (ThreadsRedirectUri).
 */
#ifndef THREADS_HTTPD_CALLBACK_H
#define THREADS_HTTPD_CALLBACK_H

#include "httpd/module.h"

/* Serves the callback path of its server; DECLINED for anything else. */
int threads_callback_handler(request_rec *r);

#endif /* THREADS_HTTPD_CALLBACK_H */
