/*
 * config.c: the directives, their setters, create/merge and the getters
 * that apply the defaults. Checks that span directives are in
 * config_check.c.
 *
 * Every field starts unset (NULL or THREADS_UNSET) and a merge takes the
 * inner value only when the inner scope set it, so an inner block can set
 * a value back to its default.
 */
#include "httpd/config.h"

#include "http_core.h"
#include "apr_file_io.h"
#include "apr_strings.h"
#include "apr_uri.h"

#include "core/bounds.h"
#include "core/text.h"

/* The longest secret line read from a file:. */
#define THREADS_SECRET_LINE_MAX 1024

/* A name and the value it stands for, for enumerated directives. */
typedef struct {
    const char *name;
    int value;
} threads_config_choice_t;

static const threads_config_choice_t threads_unauth_choices[] = {
    {"auth", THREADS_UNAUTH_AUTH},
    {"401", THREADS_UNAUTH_401},
    {"pass", THREADS_UNAUTH_PASS},
    {NULL, 0}};

static const threads_config_choice_t threads_pass_as_choices[] = {
    {"env", THREADS_PASS_ENV},
    {"headers", THREADS_PASS_HEADERS},
    {"both", THREADS_PASS_BOTH},
    {"none", THREADS_PASS_NONE},
    {NULL, 0}};

static const threads_config_choice_t threads_remote_user_choices[] = {
    {"id", THREADS_REMOTE_USER_ID},
    {"username", THREADS_REMOTE_USER_USERNAME},
    {NULL, 0}};

/* "<Directive>: <why>", the form of every configuration error. */
static const char *threads_config_error(cmd_parms *cmd, const char *why)
{
    return apr_pstrcat(cmd->pool, cmd->directive->directive, ": ", why, NULL);
}

/* The server configuration a directive writes to. */
static threads_server_conf_t *threads_config_cmd_server(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config,
                                &threads_oauth_module);
}

/* Reads the first line of a secret file (CR/LF stripped). */
static const char *threads_config_read_secret(cmd_parms *cmd, const char *path,
                                              const char **secret)
{
    apr_file_t *file;
    char line[THREADS_SECRET_LINE_MAX];
    apr_status_t rv;
    apr_size_t len;
    const char *full = ap_server_root_relative(cmd->temp_pool, path);

    if (!full) {
        return threads_config_error(cmd, "invalid file path");
    }
    rv = apr_file_open(&file, full, APR_FOPEN_READ, APR_OS_DEFAULT,
                       cmd->temp_pool);
    if (rv != APR_SUCCESS) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool, "cannot read %s", full));
    }
    rv = apr_file_gets(line, sizeof(line), file);
    apr_file_close(file);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool, "cannot read %s", full));
    }
    len = rv == APR_EOF ? 0 : strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }
    if (len == 0) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool, "%s has an empty first line", full));
    }
    *secret = apr_pstrmemdup(cmd->pool, line, len);
    return NULL;
}

/* A secret given inline or as file:<path>. */
static const char *threads_config_secret(cmd_parms *cmd, const char *arg,
                                         const char **secret)
{
    if (!strncmp(arg, "file:", 5)) {
        return threads_config_read_secret(cmd, arg + 5, secret);
    }
    if (!*arg) {
        return threads_config_error(cmd, "must not be empty");
    }
    *secret = arg;
    return NULL;
}

/* An absolute http(s) URL with a host; *uri gets its parts. */
static const char *threads_config_url(cmd_parms *cmd, const char *arg,
                                      apr_uri_t *uri)
{
    if (apr_uri_parse(cmd->pool, arg, uri) != APR_SUCCESS || !uri->scheme ||
        !uri->hostname || !*uri->hostname) {
        return threads_config_error(cmd, "needs an absolute http or https "
                                         "URL");
    }
    if (strcasecmp(uri->scheme, "https") && strcasecmp(uri->scheme, "http")) {
        return threads_config_error(cmd, "needs an http or https URL");
    }
    if (uri->fragment) {
        return threads_config_error(cmd, "must not have a #fragment");
    }
    return NULL;
}

/* A whole number of seconds within [min, max]; never atoi. */
static const char *threads_config_seconds(cmd_parms *cmd, const char *arg,
                                          apr_int64_t min, apr_int64_t max,
                                          apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool,
                              "needs a number of seconds from %" APR_INT64_T_FMT
                              " to %" APR_INT64_T_FMT,
                              min, max));
    }
    *out = v;
    return NULL;
}

/* Looks arg up in an enumeration table. */
static const char *threads_config_choose(cmd_parms *cmd, const char *arg,
                                         const threads_config_choice_t *table,
                                         int *out)
{
    const threads_config_choice_t *c;
    const char *names = NULL;

    for (c = table; c->name; c++) {
        if (!strcasecmp(arg, c->name)) {
            *out = c->value;
            return NULL;
        }
        names = names ? apr_pstrcat(cmd->temp_pool, names, "|", c->name, NULL)
                      : c->name;
    }
    return threads_config_error(
        cmd, apr_pstrcat(cmd->pool, "must be one of ", names, NULL));
}

/* ThreadsAppId <digits> */
static const char *threads_config_set_app_id(cmd_parms *cmd, void *d,
                                             const char *arg)
{
    if (!*arg || strlen(arg) > THREADS_USER_ID_MAX) {
        return threads_config_error(cmd, "needs the numeric Threads App ID");
    }
    if (!threads_text_all_digits(arg, strlen(arg), THREADS_USER_ID_MAX)) {
        return threads_config_error(cmd, "needs the numeric Threads App ID "
                                         "(digits only)");
    }
    threads_config_cmd_server(cmd)->app_id = arg;
    return NULL;
}

/* ThreadsAppSecret <secret>|file:<path>. A secret that is the path of an
 * existing file was most likely meant as file:<path>: warned about at
 * startup. */
static const char *threads_config_set_app_secret(cmd_parms *cmd, void *d,
                                                 const char *arg)
{
    threads_server_conf_t *sc = threads_config_cmd_server(cmd);
    apr_finfo_t finfo;

    sc->app_secret_looks_like_path =
        arg[0] == '/' &&
        apr_stat(&finfo, arg, APR_FINFO_TYPE, cmd->temp_pool) == APR_SUCCESS;
    return threads_config_secret(cmd, arg, &sc->app_secret);
}

/* ThreadsRedirectUri <absolute-url>: also gives the callback path. */
static const char *threads_config_set_redirect_uri(cmd_parms *cmd, void *d,
                                                   const char *arg)
{
    threads_server_conf_t *sc = threads_config_cmd_server(cmd);
    apr_uri_t uri;
    char *path;
    const char *err = threads_config_url(cmd, arg, &uri);

    if (err) {
        return err;
    }
    path = apr_pstrdup(cmd->pool, uri.path && *uri.path ? uri.path : "/");
    if (ap_unescape_url(path) != OK) {
        return threads_config_error(cmd, "has a malformed path");
    }
    sc->redirect_uri = arg;
    sc->callback_path = path;
    sc->callback_link = uri.path && *uri.path ? uri.path : "/";
    return NULL;
}

/* ThreadsAuthorizeUrl, ThreadsTokenUrl, ThreadsGraphUrl, ThreadsOutgoingProxy:
 * the field's offset is the directive's cmd_data. */
static const char *threads_config_set_url(cmd_parms *cmd, void *d,
                                          const char *arg)
{
    apr_uri_t uri;
    char *value;
    apr_size_t len;
    const char *err = threads_config_url(cmd, arg, &uri);

    if (err) {
        return err;
    }
    value = apr_pstrdup(cmd->pool, arg);
    len = strlen(value);
    /* The Graph base gets paths appended: keep it without a final '/'. */
    while (len > 0 && value[len - 1] == '/' && !uri.query) {
        value[--len] = '\0';
    }
    *(const char **)((char *)threads_config_cmd_server(cmd) +
                     (apr_size_t)cmd->info) = value;
    return NULL;
}

/* ThreadsCaFile <path>: must be readable now, as curl reads it later. */
static const char *threads_config_set_ca_file(cmd_parms *cmd, void *d,
                                              const char *arg)
{
    apr_finfo_t finfo;
    const char *full = ap_server_root_relative(cmd->pool, arg);

    if (!full ||
        apr_stat(&finfo, full, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
        finfo.filetype != APR_REG) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool, "%s is not a readable file", arg));
    }
    threads_config_cmd_server(cmd)->ca_file = full;
    return NULL;
}

/* On|Off server flags; the field's offset is cmd_data. */
static const char *threads_config_set_flag(cmd_parms *cmd, void *d, int on)
{
    *(int *)((char *)threads_config_cmd_server(cmd) + (apr_size_t)cmd->info) =
        on ? 1 : 0;
    return NULL;
}

/* ThreadsStateTimeout <seconds> */
static const char *threads_config_set_state_timeout(cmd_parms *cmd, void *d,
                                                    const char *arg)
{
    return threads_config_seconds(
        cmd, arg, 10, 86400, &threads_config_cmd_server(cmd)->state_timeout);
}

/* ThreadsHttpTimeout <seconds> */
static const char *threads_config_set_http_timeout(cmd_parms *cmd, void *d,
                                                   const char *arg)
{
    return threads_config_seconds(
        cmd, arg, 1, 300, &threads_config_cmd_server(cmd)->http_timeout);
}

/* ThreadsRefreshWindow <seconds> */
static const char *threads_config_set_refresh_window(cmd_parms *cmd, void *d,
                                                     const char *arg)
{
    return threads_config_seconds(
        cmd, arg, 0, 60 * 86400,
        &threads_config_cmd_server(cmd)->refresh_window);
}

/* One key of ThreadsSessionKey: inline or file:, THREADS_KEY_MIN bytes at
 * least, as short key material would make sealed values guessable. */
static const char *threads_config_session_key(cmd_parms *cmd, const char *arg,
                                              const char **key)
{
    const char *err = threads_config_secret(cmd, arg, key);

    if (!err && strlen(*key) < THREADS_KEY_MIN) {
        return threads_config_error(
            cmd, apr_psprintf(cmd->pool,
                              "needs at least %d bytes of key material%s "
                              "(for example the output of "
                              "openssl rand -hex 32)",
                              THREADS_KEY_MIN,
                              strncmp(arg, "file:", 5) ? ""
                                                       : " on the file's "
                                                         "first line"));
    }
    return err;
}

/* ThreadsSessionKey <key>|file:<path> [<older key>|file:<path>] */
static const char *threads_config_set_session_key(cmd_parms *cmd, void *d,
                                                  const char *key,
                                                  const char *old)
{
    threads_server_conf_t *sc = threads_config_cmd_server(cmd);
    const char *err = threads_config_session_key(cmd, key, &sc->session_key);

    if (!err && old) {
        err = threads_config_session_key(cmd, old, &sc->session_key_old);
    }
    return err;
}

/* Keeps an unknown permission of the server configuration for the
 * startup warnings. */
static void threads_config_note_unknown_scope(cmd_parms *cmd, const char *perm)
{
    threads_server_conf_t *sc = threads_config_cmd_server(cmd);
    threads_config_unknown_scope_t *u;

    if (!sc->unknown_scopes) {
        sc->unknown_scopes = apr_array_make(
            cmd->pool, 2, sizeof(threads_config_unknown_scope_t));
    }
    u = apr_array_push(sc->unknown_scopes);
    u->file = cmd->directive->filename;
    u->line = cmd->directive->line_num;
    u->perm = perm;
}

/* ThreadsRevocationCache <provider>[:<args>]: the provider is looked up in
 * check_config, once every module has registered its own. */
static const char *threads_config_set_store(cmd_parms *cmd, void *d,
                                            const char *arg)
{
    if (!*arg || *arg == ':') {
        return threads_config_error(cmd, "needs a socache provider, such as "
                                         "shmcb or redis:host:port");
    }
    threads_config_cmd_server(cmd)->revocation_cache = arg;
    return NULL;
}

/* ThreadsScope <perm>[,<perm>…]: must hold threads_basic. */
static const char *threads_config_set_scope(cmd_parms *cmd, void *d,
                                            const char *args)
{
    threads_dir_conf_t *dc = d;
    const char *why = NULL;
    const char *list = "";
    threads_scope_t *scope;
    int i;

    /* Raw arguments, so commas and spaces may mix freely; quotes are
     * httpd's usual grouping and are taken off word by word. */
    while (*args) {
        const char *word = ap_getword_conf(cmd->temp_pool, &args);
        list = apr_pstrcat(cmd->temp_pool, list, " ", word, NULL);
    }
    scope = threads_scope_parse(cmd->pool, list, &why);

    if (!scope) {
        return threads_config_error(cmd, why ? why : "needs permissions");
    }
    if (!threads_scope_has(scope, "threads_basic")) {
        return threads_config_error(cmd, "must contain threads_basic");
    }
    for (i = 0; i < scope->nelts; i++) {
        const char *perm = APR_ARRAY_IDX(scope, i, const char *);

        if (threads_scope_is_known(perm)) {
            continue;
        }
        /* Reported with the other startup warnings (config_check.c); an
         * .htaccess file is read per request, so it says so at info. */
        if (ap_check_cmd_context(cmd, NOT_IN_HTACCESS) == NULL) {
            threads_config_note_unknown_scope(cmd, perm);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, cmd->server,
                         THREADS_LOGNO(00215) "%s:%d: ThreadsScope: unknown "
                                              "permission %s is sent as given",
                         cmd->directive->filename, cmd->directive->line_num,
                         perm);
        }
    }
    dc->scope = scope;
    return NULL;
}

/* ThreadsUnauthAction auth|401|pass */
static const char *threads_config_set_unauth(cmd_parms *cmd, void *d,
                                             const char *arg)
{
    return threads_config_choose(cmd, arg, threads_unauth_choices,
                                 &((threads_dir_conf_t *)d)->unauth_action);
}

/* ThreadsPassAs env|headers|both|none */
static const char *threads_config_set_pass_as(cmd_parms *cmd, void *d,
                                              const char *arg)
{
    return threads_config_choose(cmd, arg, threads_pass_as_choices,
                                 &((threads_dir_conf_t *)d)->pass_as);
}

/* ThreadsRemoteUser id|username. A username needs the profile: in the
 * server configuration the server is told (check_config holds it to
 * ThreadsProfile On); an .htaccess file is read at request time, when the
 * server's configuration is only read, so it is checked here. */
static const char *threads_config_set_remote_user(cmd_parms *cmd, void *d,
                                                  const char *arg)
{
    threads_dir_conf_t *dc = d;
    threads_server_conf_t *sc = threads_config_cmd_server(cmd);
    const char *err = threads_config_choose(
        cmd, arg, threads_remote_user_choices, &dc->remote_user);

    if (err || dc->remote_user != THREADS_REMOTE_USER_USERNAME) {
        return err;
    }
    if (ap_check_cmd_context(cmd, NOT_IN_HTACCESS) == NULL) {
        sc->username_wanted = 1;
    }
    else if (!threads_config_profile(sc)) {
        return threads_config_error(cmd, "username needs ThreadsProfile On");
    }
    return NULL;
}

#define THREADS_SERVER_FIELD(f) ((void *)APR_OFFSETOF(threads_server_conf_t, f))
#define THREADS_DIR_CONTEXT     (OR_AUTHCFG | RSRC_CONF)

const command_rec threads_config_cmds[] = {
    AP_INIT_TAKE1("ThreadsAppId", threads_config_set_app_id, NULL, RSRC_CONF,
                  "Threads App ID (client_id), digits"),
    AP_INIT_TAKE1("ThreadsAppSecret", threads_config_set_app_secret, NULL,
                  RSRC_CONF, "Threads App secret, or file:<path>"),
    AP_INIT_TAKE1("ThreadsRedirectUri", threads_config_set_redirect_uri, NULL,
                  RSRC_CONF,
                  "Absolute redirect URI; its path is the callback endpoint"),
    AP_INIT_RAW_ARGS("ThreadsScope", threads_config_set_scope, NULL,
                     THREADS_DIR_CONTEXT,
                     "Permissions, comma- or space-separated"),
    AP_INIT_TAKE1("ThreadsAuthorizeUrl", threads_config_set_url,
                  THREADS_SERVER_FIELD(authorize_url), RSRC_CONF,
                  "URL of the Threads Authorization Window"),
    AP_INIT_TAKE1("ThreadsTokenUrl", threads_config_set_url,
                  THREADS_SERVER_FIELD(token_url), RSRC_CONF,
                  "URL of the code exchange"),
    AP_INIT_TAKE1("ThreadsGraphUrl", threads_config_set_url,
                  THREADS_SERVER_FIELD(graph_url), RSRC_CONF,
                  "Base URL of the Threads Graph API"),
    AP_INIT_TAKE1("ThreadsUnauthAction", threads_config_set_unauth, NULL,
                  THREADS_DIR_CONTEXT, "auth, 401 or pass"),
    AP_INIT_TAKE1("ThreadsPassAs", threads_config_set_pass_as, NULL,
                  THREADS_DIR_CONTEXT, "env, headers, both or none"),
    AP_INIT_TAKE1("ThreadsRemoteUser", threads_config_set_remote_user, NULL,
                  THREADS_DIR_CONTEXT, "id or username"),
    AP_INIT_FLAG("ThreadsLongLivedToken", threads_config_set_flag,
                 THREADS_SERVER_FIELD(long_lived), RSRC_CONF,
                 "Trade the 1-hour token for a 60-day token"),
    AP_INIT_TAKE1("ThreadsRefreshWindow", threads_config_set_refresh_window,
                  NULL, RSRC_CONF,
                  "Refresh long-lived tokens expiring within these seconds"),
    AP_INIT_FLAG("ThreadsProfile", threads_config_set_flag,
                 THREADS_SERVER_FIELD(profile), RSRC_CONF,
                 "Read username and name once after login"),
    AP_INIT_TAKE1("ThreadsStateTimeout", threads_config_set_state_timeout, NULL,
                  RSRC_CONF, "Seconds a started login may take"),
    AP_INIT_TAKE12("ThreadsSessionKey", threads_config_set_session_key, NULL,
                   RSRC_CONF,
                   "Key for sealing session values, optionally an older key"),
    AP_INIT_TAKE1("ThreadsHttpTimeout", threads_config_set_http_timeout, NULL,
                  RSRC_CONF, "Total seconds of each call to Threads"),
    AP_INIT_FLAG("ThreadsSslVerify", threads_config_set_flag,
                 THREADS_SERVER_FIELD(ssl_verify), RSRC_CONF,
                 "Verify TLS peers of calls to Threads"),
    AP_INIT_TAKE1("ThreadsCaFile", threads_config_set_ca_file, NULL, RSRC_CONF,
                  "CA bundle for calls to Threads"),
    AP_INIT_TAKE1("ThreadsOutgoingProxy", threads_config_set_url,
                  THREADS_SERVER_FIELD(proxy), RSRC_CONF,
                  "HTTP(S) proxy for calls to Threads"),
    AP_INIT_TAKE1("ThreadsRevocationCache", threads_config_set_store, NULL,
                  RSRC_CONF,
                  "socache provider[:args] that keeps revocations, used "
                  "states and the refresh pace"),
    {NULL}};

/* Everything unset. */
void *threads_config_create_server(apr_pool_t *p, server_rec *s)
{
    threads_server_conf_t *sc = apr_pcalloc(p, sizeof(*sc));

    sc->long_lived = THREADS_UNSET;
    sc->refresh_window = THREADS_UNSET;
    sc->profile = THREADS_UNSET;
    sc->state_timeout = THREADS_UNSET;
    sc->http_timeout = THREADS_UNSET;
    sc->ssl_verify = THREADS_UNSET;
    return sc;
}

#define THREADS_MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define THREADS_MERGE_INT(f) m->f = add->f != THREADS_UNSET ? add->f : base->f

/* A virtual host inherits what it does not set from the main server. */
void *threads_config_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    threads_server_conf_t *base = basev, *add = addv;
    threads_server_conf_t *m = apr_pcalloc(p, sizeof(*m));

    THREADS_MERGE_PTR(app_id);
    THREADS_MERGE_PTR(app_secret);
    m->app_secret_looks_like_path = add->app_secret
                                        ? add->app_secret_looks_like_path
                                        : base->app_secret_looks_like_path;
    /* The redirect URI and its path travel together. */
    m->redirect_uri =
        add->redirect_uri ? add->redirect_uri : base->redirect_uri;
    m->callback_path =
        add->redirect_uri ? add->callback_path : base->callback_path;
    m->callback_link =
        add->redirect_uri ? add->callback_link : base->callback_link;
    THREADS_MERGE_PTR(authorize_url);
    THREADS_MERGE_PTR(token_url);
    THREADS_MERGE_PTR(graph_url);
    THREADS_MERGE_INT(long_lived);
    THREADS_MERGE_INT(refresh_window);
    THREADS_MERGE_INT(profile);
    /* Each server reports its own, the main server's only once. */
    m->unknown_scopes = add->unknown_scopes;
    /* Sections of the main server apply to its virtual hosts too. */
    m->username_wanted = base->username_wanted || add->username_wanted;
    THREADS_MERGE_INT(state_timeout);
    THREADS_MERGE_PTR(session_key);
    m->session_key_old =
        add->session_key ? add->session_key_old : base->session_key_old;
    THREADS_MERGE_INT(http_timeout);
    THREADS_MERGE_INT(ssl_verify);
    THREADS_MERGE_PTR(ca_file);
    THREADS_MERGE_PTR(proxy);
    THREADS_MERGE_PTR(revocation_cache);
    return m;
}

/* Everything unset. */
void *threads_config_create_dir(apr_pool_t *p, char *dir)
{
    threads_dir_conf_t *dc = apr_pcalloc(p, sizeof(*dc));

    dc->unauth_action = THREADS_UNSET;
    dc->pass_as = THREADS_UNSET;
    dc->remote_user = THREADS_UNSET;
    return dc;
}

/* Inner blocks override what they set. */
void *threads_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    threads_dir_conf_t *base = basev, *add = addv;
    threads_dir_conf_t *m = apr_pcalloc(p, sizeof(*m));

    THREADS_MERGE_PTR(scope);
    THREADS_MERGE_INT(unauth_action);
    THREADS_MERGE_INT(pass_as);
    THREADS_MERGE_INT(remote_user);
    return m;
}

threads_server_conf_t *threads_config_server(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &threads_oauth_module);
}

threads_dir_conf_t *threads_config_dir(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &threads_oauth_module);
}

int threads_config_is_callback(const request_rec *r)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);

    return sc->callback_path && r->uri && !strcmp(r->uri, sc->callback_path);
}

int threads_config_complete(const threads_server_conf_t *sc)
{
    return sc->app_id && sc->app_secret && sc->redirect_uri;
}

const char *threads_config_authorize_url(const threads_server_conf_t *sc)
{
    return sc->authorize_url ? sc->authorize_url
                             : THREADS_DEFAULT_AUTHORIZE_URL;
}

const char *threads_config_token_url(const threads_server_conf_t *sc)
{
    return sc->token_url ? sc->token_url : THREADS_DEFAULT_TOKEN_URL;
}

const char *threads_config_graph_url(const threads_server_conf_t *sc)
{
    return sc->graph_url ? sc->graph_url : THREADS_DEFAULT_GRAPH_URL;
}

apr_int64_t threads_config_state_timeout(const threads_server_conf_t *sc)
{
    return sc->state_timeout != THREADS_UNSET ? sc->state_timeout
                                              : THREADS_DEFAULT_STATE_TIMEOUT;
}

apr_int64_t threads_config_http_timeout(const threads_server_conf_t *sc)
{
    return sc->http_timeout != THREADS_UNSET ? sc->http_timeout
                                             : THREADS_DEFAULT_HTTP_TIMEOUT;
}

int threads_config_ssl_verify(const threads_server_conf_t *sc)
{
    return sc->ssl_verify != 0;
}

int threads_config_long_lived(const threads_server_conf_t *sc)
{
    return sc->long_lived == 1;
}

int threads_config_profile(const threads_server_conf_t *sc)
{
    return sc->profile == 1;
}

apr_int64_t threads_config_refresh_window(const threads_server_conf_t *sc)
{
    return sc->refresh_window != THREADS_UNSET ? sc->refresh_window
                                               : THREADS_DEFAULT_REFRESH_WINDOW;
}

const threads_scope_t *threads_config_scope(const request_rec *r)
{
    const threads_dir_conf_t *dc = threads_config_dir(r);

    return dc->scope ? dc->scope
                     : threads_config_server(r->server)->default_scope;
}

threads_unauth_action_e
threads_config_unauth_action(const threads_dir_conf_t *dc)
{
    return dc->unauth_action != THREADS_UNSET ? dc->unauth_action
                                              : THREADS_UNAUTH_AUTH;
}

threads_pass_as_e threads_config_pass_as(const threads_dir_conf_t *dc)
{
    return dc->pass_as != THREADS_UNSET ? dc->pass_as : THREADS_PASS_ENV;
}

threads_remote_user_e threads_config_remote_user(const threads_dir_conf_t *dc)
{
    return dc->remote_user != THREADS_UNSET ? dc->remote_user
                                            : THREADS_REMOTE_USER_ID;
}
