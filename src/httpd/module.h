/*
 * module.h: what every file of the httpd glue shares: httpd's headers,
 * the module's log identity and its fixed names.
 *
 * The glue (src/httpd/) may include src/core/; the core never includes
 * anything from here.
 */
#ifndef THREADS_HTTPD_MODULE_H
#define THREADS_HTTPD_MODULE_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_request.h"

/* LogLevel threads_oauth:debug works for every file of the module. */
APLOG_USE_MODULE(threads_oauth);

/* Every log message starts with a stable ID of its own, as httpd's APLOGNO;
 * the next free number is in LOGNO_NEXT. IDs are never reused. */
#define THREADS_LOGNO(n) "THREADS" #n ": "

#define THREADS_VERSION "0.1.0"

#define THREADS_AUTH_TYPE "Threads"
#define THREADS_HANDLER   "threads-oauth"

#endif /* THREADS_HTTPD_MODULE_H */
