/*
 * authz.c: the authorization providers "threads-id" and "threads-user".
 *
 * They grant only a login the module itself made under AuthType Threads:
 * the user id compared digit for digit (ids exceed 2^53), the username
 * without regard to ASCII case (Threads usernames are lower case, people
 * type them as they like). No user yet: AUTHZ_DENIED_NO_USER, which makes
 * httpd authenticate (and the module start a login) first.
 */
#include "httpd/authz.h"
#include "httpd/config.h"
#include "httpd/request.h"

#include "ap_provider.h"
#include "apr_strings.h"
#include "mod_auth.h"

#include "core/bounds.h"
#include "core/text.h"

/* The words of a Require line, parsed once when the configuration is
 * read. */
typedef struct {
    apr_array_header_t *words; /* const char * */
} threads_authz_line_t;

/* Splits a Require line into words (httpd's quoting rules). */
static threads_authz_line_t *threads_authz_split(cmd_parms *cmd,
                                                 const char *line)
{
    threads_authz_line_t *parsed = apr_pcalloc(cmd->pool, sizeof(*parsed));

    parsed->words = apr_array_make(cmd->pool, 2, sizeof(const char *));
    while (*line) {
        const char *word = ap_getword_conf(cmd->pool, &line);

        if (*word) {
            APR_ARRAY_PUSH(parsed->words, const char *) = word;
        }
    }
    return parsed;
}

/* Require threads-id <id>...: user ids, digits only. */
static const char *threads_authz_parse_ids(cmd_parms *cmd, const char *line,
                                           const void **parsed)
{
    threads_authz_line_t *ids = threads_authz_split(cmd, line);
    int i;

    if (ids->words->nelts == 0) {
        return "Require threads-id: needs one or more Threads user ids";
    }
    for (i = 0; i < ids->words->nelts; i++) {
        const char *id = APR_ARRAY_IDX(ids->words, i, const char *);

        if (!threads_text_all_digits(id, strlen(id), THREADS_USER_ID_MAX)) {
            return apr_psprintf(cmd->pool,
                                "Require threads-id: %s is not a Threads "
                                "user id (digits)",
                                id);
        }
    }
    *parsed = ids;
    return NULL;
}

/* Require threads-user <username>... */
static const char *threads_authz_parse_users(cmd_parms *cmd, const char *line,
                                             const void **parsed)
{
    threads_authz_line_t *users = threads_authz_split(cmd, line);

    if (users->words->nelts == 0) {
        return "Require threads-user: needs one or more Threads usernames";
    }
    *parsed = users;
    return NULL;
}

/* The login of r when the module made it, or NULL; *status is what to
 * answer without one. */
static const threads_token_t *threads_authz_login(request_rec *r,
                                                  authz_status *status)
{
    const threads_token_t *t;

    if (!r->user) {
        *status = AUTHZ_DENIED_NO_USER;
        return NULL;
    }
    *status = AUTHZ_DENIED;
    if (!r->ap_auth_type || strcasecmp(r->ap_auth_type, THREADS_AUTH_TYPE)) {
        return NULL;
    }
    t = threads_request_valid_token(r);
    if (!t) {
        *status = AUTHZ_DENIED_NO_USER;
    }
    return t;
}

static authz_status threads_authz_check_ids(request_rec *r, const char *line,
                                            const void *parsed)
{
    const threads_authz_line_t *ids = parsed;
    authz_status status;
    const threads_token_t *t = threads_authz_login(r, &status);
    int i;

    for (i = 0; t && i < ids->words->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(ids->words, i, const char *), t->user_id)) {
            return AUTHZ_GRANTED;
        }
    }
    return status;
}

static authz_status threads_authz_check_users(request_rec *r, const char *line,
                                              const void *parsed)
{
    const threads_authz_line_t *users = parsed;
    authz_status status;
    const threads_token_t *t = threads_authz_login(r, &status);
    int i;

    if (t && !threads_config_profile(threads_config_server(r->server))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      THREADS_LOGNO(00161) "Require threads-user for %s needs "
                                           "ThreadsProfile On: the username "
                                           "comes from the profile",
                      r->uri);
        return AUTHZ_GENERAL_ERROR;
    }
    for (i = 0; t && t->username && i < users->words->nelts; i++) {
        if (!strcasecmp(APR_ARRAY_IDX(users->words, i, const char *),
                        t->username)) {
            return AUTHZ_GRANTED;
        }
    }
    return status;
}

static const authz_provider threads_authz_ids = {threads_authz_check_ids,
                                                 threads_authz_parse_ids};
static const authz_provider threads_authz_users = {threads_authz_check_users,
                                                   threads_authz_parse_users};

void threads_authz_register(apr_pool_t *p)
{
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "threads-id",
                              AUTHZ_PROVIDER_VERSION, &threads_authz_ids,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "threads-user",
                              AUTHZ_PROVIDER_VERSION, &threads_authz_users,
                              AP_AUTH_INTERNAL_PER_CONF);
}
