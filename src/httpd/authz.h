/*
 * authz.h: Require threads-id <id>... and Require threads-user <name>...
 */
#ifndef THREADS_HTTPD_AUTHZ_H
#define THREADS_HTTPD_AUTHZ_H

#include "httpd/module.h"

/* register_hooks: the two providers for mod_authz_core, usable alone and
 * in <RequireAny>, <RequireAll>, <RequireNone>. */
void threads_authz_register(apr_pool_t *p);

#endif /* THREADS_HTTPD_AUTHZ_H */
