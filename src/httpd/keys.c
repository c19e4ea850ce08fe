/*
 * keys.c: the sealing keys of each server, derived once in post_config
 * (single-threaded, before any request) and only read afterwards.
 *
 * The app secret is never key material: Meta and every App Dashboard
 * user know it, and it travels in the long-lived exchange's query. Without
 * ThreadsSessionKey the module makes a random key of its own and keeps it
 * in the runtime directory, so sessions survive restarts of this server.
 */
#include "httpd/config.h"
#include "httpd/keys.h"

#include "apr_file_info.h"
#include "apr_file_io.h"
#include "apr_general.h"
#include "apr_strings.h"

#include "core/seal.h"
#include "core/text.h"

/* The generated key's file, under DefaultRuntimeDir. */
#define THREADS_KEY_FILE "threads_oauth_session.key"
/* Random bytes in a generated key; the file holds them in hex. */
#define THREADS_KEY_RANDOM_BYTES 32
#define THREADS_KEY_FILE_CHARS   (2 * THREADS_KEY_RANDOM_BYTES)

/* A sealing key derived from secret for the app of sc; NULL (logged) when
 * that fails. */
static const threads_key_t *threads_keys_derive(apr_pool_t *pconf,
                                                server_rec *s,
                                                const threads_server_conf_t *sc,
                                                const char *secret)
{
    threads_key_t *key = apr_palloc(pconf, sizeof(*key));
    apr_status_t rv =
        threads_key_derive(secret, strlen(secret), sc->app_id, key);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00002) "cannot derive the session key");
        return NULL;
    }
    return key;
}

/* 1 when text is the key file's form: THREADS_KEY_FILE_CHARS hex digits. */
static int threads_keys_is_hex_key(const char *text)
{
    apr_size_t i;

    for (i = 0; i < THREADS_KEY_FILE_CHARS; i++) {
        if (text[i] == '\0' ||
            threads_text_hex_value((unsigned char)text[i]) < 0) {
            return 0;
        }
    }
    return text[i] == '\0' || (text[i] == '\n' && text[i + 1] == '\0');
}

/* Reads an existing key file; NULL (logged) when it is not one this module
 * wrote or others may read it. */
static const char *threads_keys_read(apr_pool_t *pconf, apr_pool_t *ptemp,
                                     server_rec *s, const char *path)
{
    char text[THREADS_KEY_FILE_CHARS + 2];
    apr_finfo_t finfo;
    apr_file_t *f;
    apr_size_t len = sizeof(text) - 1;
    apr_status_t rv;

    rv = apr_stat(&finfo, path, APR_FINFO_PROT | APR_FINFO_TYPE, ptemp);
    if (rv == APR_SUCCESS && finfo.filetype == APR_REG &&
        (finfo.protection &
         (APR_GREAD | APR_GWRITE | APR_WREAD | APR_WWRITE))) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00209) "the session key file %s may be "
                                          "read by others: chmod 0600 it, or "
                                          "remove it to have a new key made "
                                          "(which logs everyone out)",
                     path);
        return NULL;
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, ptemp);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, text, len, &len);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     THREADS_LOGNO(00210) "cannot read the session key file "
                                          "%s",
                     path);
        return NULL;
    }
    text[len] = '\0';
    if (!threads_keys_is_hex_key(text)) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00211) "%s is not a session key of this "
                                          "module (%d hex digits): remove it "
                                          "to have a new one made, which "
                                          "logs everyone out",
                     path, THREADS_KEY_FILE_CHARS);
        return NULL;
    }
    return apr_pstrmemdup(pconf, text, THREADS_KEY_FILE_CHARS);
}

/* Makes a new key file with 256 random bits in hex, readable by its owner
 * only. APR_EEXIST when another httpd made it first. */
static apr_status_t threads_keys_create(apr_pool_t *pconf, apr_pool_t *ptemp,
                                        const char *path, const char **key)
{
    unsigned char raw[THREADS_KEY_RANDOM_BYTES];
    char hex[THREADS_KEY_FILE_CHARS + 2];
    apr_file_t *f;
    apr_size_t written;
    apr_status_t rv = apr_generate_random_bytes(raw, sizeof(raw));

    if (rv != APR_SUCCESS) {
        return rv;
    }
    threads_text_hex_encode(hex, raw, sizeof(raw));
    memset(raw, 0, sizeof(raw));
    hex[THREADS_KEY_FILE_CHARS] = '\n';
    hex[THREADS_KEY_FILE_CHARS + 1] = '\0';
    /* Exclusive, so two servers starting at once never both write. */
    rv = apr_file_open(&f, path,
                       APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE, ptemp);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, hex, THREADS_KEY_FILE_CHARS + 1, &written);
    if (rv == APR_SUCCESS) {
        rv = apr_file_close(f);
    }
    else {
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(path, ptemp);
        return rv;
    }
    *key = apr_pstrmemdup(pconf, hex, THREADS_KEY_FILE_CHARS);
    memset(hex, 0, sizeof(hex));
    return APR_SUCCESS;
}

const char *threads_keys_generated(apr_pool_t *pconf, apr_pool_t *ptemp,
                                   server_rec *s)
{
    const char *path = ap_runtime_dir_relative(pconf, THREADS_KEY_FILE);
    const char *key = NULL;
    apr_finfo_t finfo;
    apr_status_t rv;

    if (!path) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     THREADS_LOGNO(00212) "no path for the session key file "
                                          "under DefaultRuntimeDir");
        return NULL;
    }
    if (apr_stat(&finfo, path, APR_FINFO_TYPE, ptemp) == APR_SUCCESS) {
        key = threads_keys_read(pconf, ptemp, s, path);
    }
    else {
        rv = threads_keys_create(pconf, ptemp, path, &key);
        if (APR_STATUS_IS_EEXIST(rv)) {
            key = threads_keys_read(pconf, ptemp, s, path);
        }
        else if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                         THREADS_LOGNO(00213) "cannot write the session key "
                                              "file %s: DefaultRuntimeDir "
                                              "must be writable by root, or "
                                              "set ThreadsSessionKey",
                         path);
            return NULL;
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         THREADS_LOGNO(00214) "made a new session key in %s: "
                                              "sessions sealed under an "
                                              "earlier key count as logged "
                                              "out",
                         path);
        }
    }
    if (key) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     THREADS_LOGNO(00207) "sessions are sealed with the key "
                                          "in %s: they survive restarts of "
                                          "this server, not a reboot that "
                                          "clears that folder, and are not "
                                          "shared with other servers (set "
                                          "ThreadsSessionKey for that)",
                     path);
    }
    return key;
}

apr_status_t threads_keys_setup(apr_pool_t *pconf, server_rec *s,
                                const char *generated)
{
    threads_server_conf_t *sc = threads_config_server(s);
    const char *material = sc->session_key ? sc->session_key : generated;

    sc->nkeys = 0;
    if (!material) {
        return APR_EGENERAL;
    }
    sc->keys[0] = threads_keys_derive(pconf, s, sc, material);
    if (!sc->keys[0]) {
        return APR_EGENERAL;
    }
    sc->nkeys = 1;
    if (sc->session_key && sc->session_key_old) {
        sc->keys[1] = threads_keys_derive(pconf, s, sc, sc->session_key_old);
        if (!sc->keys[1]) {
            return APR_EGENERAL;
        }
        sc->nkeys = 2;
    }
    return APR_SUCCESS;
}

char *threads_keys_seal(request_rec *r, const char *label, const char *plain)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    char *sealed = NULL;
    apr_status_t rv = sc->nkeys > 0
                          ? threads_seal(r->pool, sc->keys[0], label, plain,
                                         strlen(plain), &sealed)
                          : APR_EINVAL;

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      THREADS_LOGNO(00052) "cannot seal a value for %s", label);
        return NULL;
    }
    return sealed;
}

char *threads_keys_open(request_rec *r, const char *label, const char *sealed)
{
    const threads_server_conf_t *sc = threads_config_server(r->server);
    char *plain = NULL;

    if (sc->nkeys == 0 || threads_unseal(r->pool, sc->keys, sc->nkeys, label,
                                         sealed, &plain, NULL) != APR_SUCCESS) {
        return NULL;
    }
    return plain;
}
