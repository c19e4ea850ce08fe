/*
 * fuzz_session.c: the module's values read back from the session. The
 * input is tried as a sealed value (threads_unseal under a fixed key) and
 * as the plaintext of a token record and of a pending-login list
 * (threads_token_decode, threads_pending_decode); whatever decodes must
 * survive encode and decode unchanged, and the pending list then goes
 * through threads_pending_take and threads_pending_prune.
 */
#include <string.h>

#include "apr_strings.h"
#include "apr_tables.h"

#include "core/bounds.h"
#include "core/pending.h"
#include "core/seal.h"
#include "core/token.h"
#include "core/url.h"
#include "fuzz_common.h"

/* The session entries' names, bound to sealed values as labels. */
#define LABEL_TOKEN   "threads.token"
#define LABEL_PENDING "threads.pending"

/* The fixed keys: the current one, an older one still accepted for
 * opening, and a foreign one (corpus file sealed-other-key). Only the
 * current one ever sealed a corpus file. */
#define KEY_SECRET   "fuzz session key"
#define OLD_SECRET   "an older session key"
#define OTHER_SECRET "another session key"
/* The app every key is bound to (ThreadsAppId). */
#define APP_ID "990602627938098"

/* The two values sealed under KEY_SECRET that open (corpus files
 * sealed-token and sealed-pending). Any other input must not open. */
static const char known_sealed_token[] =
    "ASeyB50ht4GeDWwRyo5POQqHEiK48EBTZdPbdoDEJSSCew7sZCaMqfcQiankE8CN"
    "w5yxxi064mW-_j9zPgSIFYzEvWS0Bq8dsd5X4xU6eN7aDG1wKUjId1ryJgTdgzzZ"
    "YVwP9RvZtIxhQYNbp3YF5uRB8x4JH8idysPiYyKlLlbh1IN-Tlhpiai8n672yUrU"
    "Y9qzGuqeXzOD9TOKr60res4bTVFIZJDMTRegRHl4tPMzg1WloOWZB3tDo75mjFsk"
    "CBcNI53doHiX71iLBg5ySnd_D66o-Gs";
static const char known_sealed_pending[] =
    "AZovU57bh_ecIv3nyRJP532KgzoAf9cZuiBES8Q4O2ILK74MTEzC2QLhVfJD0aNw"
    "LLZTVO6wekkRIXEt1HQ9NyQ7j1VQVtd_Wru95fkeJu9JVMHRCGOijmmVyOp_zWDD"
    "CnhYPpYKei1O_A_OjPrRWiqJso0919Z7lWlhkFhfIMncWemCLzp9dvJ4pSqKsXLd"
    "pkaq8d_1_pWwohHExUNf_leVaE2jV40n1J-o-1wLZn5NUX8Noi3BQCfylajRyLbP";

/* Seconds a login may take in the prune checks (ThreadsStateTimeout). */
#define TIMEOUT 600
/* Future start times tolerated for clock skew (src/core/pending.c). */
#define SKEW 60

static threads_key_t key, old_key, other_key;

/* 1 when a and b are both NULL or equal strings. */
static int same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 when two token records hold the same fields. */
static int same_token(const threads_token_t *a, const threads_token_t *b)
{
    return same_str(a->access_token, b->access_token) &&
           same_str(a->user_id, b->user_id) && a->expires_at == b->expires_at &&
           a->issued_at == b->issued_at && a->login_at == b->login_at &&
           a->refresh_after == b->refresh_after && a->type == b->type &&
           same_str(a->scope, b->scope) && same_str(a->username, b->username) &&
           same_str(a->name, b->name);
}

/* 1 when two pending entries hold the same fields. */
static int same_pending(const threads_pending_t *a, const threads_pending_t *b)
{
    return same_str(a->state, b->state) && a->created == b->created &&
           same_str(a->scope, b->scope) &&
           same_str(a->return_url, b->return_url);
}

/* The pending entry at i of list. */
static threads_pending_t *entry(const apr_array_header_t *list, int i)
{
    return &APR_ARRAY_IDX(list, i, threads_pending_t);
}

/* 1 when two pending lists hold the same entries in the same order. */
static int same_list(const apr_array_header_t *a, const apr_array_header_t *b)
{
    int i;

    if (a->nelts != b->nelts) {
        return 0;
    }
    for (i = 0; i < a->nelts; i++) {
        if (!same_pending(entry(a, i), entry(b, i))) {
            return 0;
        }
    }
    return 1;
}

/* A token record that decoded: well-formed fields, and encode, decode
 * gives it back. */
static void check_token_roundtrip(apr_pool_t *p, const threads_token_t *t)
{
    threads_token_t again;
    char *enc, *enc2;

    FUZZ_CHECK(t->access_token != NULL && *t->access_token != '\0' &&
                   strlen(t->access_token) <= THREADS_TOKEN_MAX &&
                   fuzz_is_printable(t->access_token) &&
                   strchr(t->access_token, ' ') == NULL,
               "decoded token is not 1..MAX printable ASCII without space");
    FUZZ_CHECK(t->user_id != NULL && *t->user_id != '\0' &&
                   strlen(t->user_id) <= THREADS_USER_ID_MAX &&
                   strspn(t->user_id, "0123456789") == strlen(t->user_id),
               "decoded user_id is not digits");
    FUZZ_CHECK(t->expires_at > 0 && t->issued_at > 0 && t->login_at > 0,
               "decoded record with a time not positive");
    FUZZ_CHECK(t->refresh_after >= 0, "decoded record with a negative retry");
    FUZZ_CHECK(t->type == THREADS_TOKEN_SHORT || t->type == THREADS_TOKEN_LONG,
               "decoded record with an unknown token type");
    FUZZ_CHECK(t->scope != NULL, "decoded record without a scope");
    threads_token_type_name(t->type);
    enc = threads_token_encode(p, t);
    FUZZ_CHECK(enc != NULL, "a decoded record does not encode");
    FUZZ_CHECK(threads_token_decode(p, enc, &again) == APR_SUCCESS,
               "a re-encoded record does not decode");
    FUZZ_CHECK(same_token(t, &again), "token record changed in a round trip");
    enc2 = threads_token_encode(p, &again);
    FUZZ_CHECK(enc2 != NULL && strcmp(enc, enc2) == 0,
               "token record encoding is not stable");
}

/* A record whose free-text fields are the input: they must come back
 * byte for byte. */
static void check_token_fields(apr_pool_t *p, const char *text)
{
    threads_token_t t, back;
    char *enc;

    memset(&t, 0, sizeof(t));
    t.access_token = "THQVJ";
    t.user_id = "17841405793187218";
    t.expires_at = 1700003600;
    t.issued_at = 1700000000;
    t.login_at = 1700000000;
    t.refresh_after = 1700086400;
    t.type = THREADS_TOKEN_LONG;
    t.scope = text;
    t.username = text;
    t.name = text;
    enc = threads_token_encode(p, &t);
    FUZZ_CHECK(enc != NULL, "token_encode failed");
    FUZZ_CHECK(threads_token_decode(p, enc, &back) == APR_SUCCESS &&
                   same_token(&t, &back),
               "free-text fields do not survive encode and decode");
    if (fuzz_is_printable(text) && *text != '\0' && strchr(text, ' ') == NULL &&
        strlen(text) <= THREADS_TOKEN_MAX) {
        t.access_token = text;
        enc = threads_token_encode(p, &t);
        FUZZ_CHECK(threads_token_decode(p, enc, &back) == APR_SUCCESS &&
                       same_token(&t, &back),
                   "a valid token does not survive encode and decode");
    }
}

/* Every entry of a decoded pending list is one the module could have
 * written. */
static void check_pending_entries(const apr_array_header_t *list)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        const threads_pending_t *e = entry(list, i);

        FUZZ_CHECK(e->state != NULL && strlen(e->state) == 32 &&
                       strspn(e->state, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "abcdefghijklmnopqrstuvwxyz"
                                        "0123456789-_") == 32,
                   "pending entry with a malformed state");
        FUZZ_CHECK(e->created > 0, "pending entry with a bad start time");
        FUZZ_CHECK(e->scope != NULL &&
                       strspn(e->scope, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "abcdefghijklmnopqrstuvwxyz"
                                        "0123456789_.,") == strlen(e->scope),
                   "pending entry with a malformed scope");
        FUZZ_CHECK(e->return_url != NULL && fuzz_check_local_url(e->return_url),
                   "pending entry with a return URL that is not local");
    }
}

/* A pending entry whose return URL is the input, when it is local: it must
 * come back unchanged. */
static void check_pending_fields(apr_pool_t *p, const char *text)
{
    apr_array_header_t *list, *back;
    threads_pending_t *e;

    if (!threads_url_is_local(text)) {
        return;
    }
    list = apr_array_make(p, 1, sizeof(threads_pending_t));
    e = apr_array_push(list);
    e->state = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    e->created = 1700000000;
    e->scope = "threads_basic,threads_content_publish";
    e->return_url = text;
    back = threads_pending_decode(p, threads_pending_encode(p, list));
    FUZZ_CHECK(same_list(list, back),
               "a local return URL does not survive encode and decode");
}

/* Takes every entry's state from a copy of list, one by one: each take
 * removes exactly the first entry with that state. */
static void check_take(apr_pool_t *p, const apr_array_header_t *list)
{
    apr_array_header_t *work = apr_array_copy(p, list);
    threads_pending_t out;
    int i, n;

    FUZZ_CHECK(!threads_pending_take(work, NULL, &out),
               "pending_take found a NULL state");
    FUZZ_CHECK(!threads_pending_take(work, "not-a-state", &out),
               "pending_take found a state that is not there");
    FUZZ_CHECK(work->nelts == list->nelts, "a failed take changed the list");
    for (i = 0; i < list->nelts; i++) {
        const threads_pending_t *want = entry(list, i);

        n = work->nelts;
        FUZZ_CHECK(threads_pending_take(work, want->state, &out),
                   "pending_take missed a state in the list");
        FUZZ_CHECK(strcmp(out.state, want->state) == 0,
                   "pending_take returned another entry");
        FUZZ_CHECK(work->nelts == n - 1, "pending_take did not remove one");
    }
    FUZZ_CHECK(work->nelts == 0, "entries left after taking every state");
}

/* 1 when a login started at created is still usable at now: not timed
 * out, and not further in the future than clock skew explains. A clock
 * before 1970 makes nothing usable. */
static int is_fresh(apr_int64_t created, apr_int64_t now, apr_int64_t timeout)
{
    if (created <= 0 || now < 0) {
        return 0;
    }
    if (created > now) {
        return created - now <= SKEW && timeout > now - created;
    }
    return now - created < timeout;
}

/* Prunes a copy of list at now and checks what is left: the fresh
 * entries, at most THREADS_PENDING_MAX of them, in the original order, the
 * ones dropped for room no newer than any kept. */
static void check_prune(apr_pool_t *p, const apr_array_header_t *list,
                        apr_int64_t now, apr_int64_t timeout)
{
    apr_array_header_t *work = apr_array_copy(p, list);
    int i, j = 0, fresh = 0;
    apr_int64_t newest_dropped = 0, oldest_kept = APR_INT64_MAX;

    threads_pending_prune(work, now, timeout);
    FUZZ_CHECK(work->nelts <= THREADS_PENDING_MAX,
               "prune kept more than THREADS_PENDING_MAX");
    for (i = 0; i < work->nelts; i++) {
        const threads_pending_t *e = entry(work, i);

        FUZZ_CHECK(is_fresh(e->created, now, timeout),
                   "prune kept an expired entry or one from the future");
        if (e->created < oldest_kept) {
            oldest_kept = e->created;
        }
    }
    /* The kept entries are a subsequence of the list, in order. */
    for (i = 0; i < list->nelts; i++) {
        const threads_pending_t *e = entry(list, i);

        fresh += is_fresh(e->created, now, timeout);
        if (j < work->nelts && same_pending(e, entry(work, j))) {
            j++;
        }
        else if (is_fresh(e->created, now, timeout) &&
                 e->created > newest_dropped) {
            newest_dropped = e->created;
        }
    }
    FUZZ_CHECK(j == work->nelts, "prune reordered or changed entries");
    FUZZ_CHECK(work->nelts ==
                   (fresh < THREADS_PENDING_MAX ? fresh : THREADS_PENDING_MAX),
               "prune dropped a fresh entry while there was room");
    FUZZ_CHECK(work->nelts == 0 || newest_dropped <= oldest_kept,
               "prune dropped a newer entry and kept an older one");
}

/* A pending list that decoded: sound entries, stable round trip, take and
 * prune. */
static void check_pending_list(apr_pool_t *p, const apr_array_header_t *list,
                               size_t size)
{
    apr_array_header_t *again;
    char *enc;

    FUZZ_CHECK(list != NULL, "pending_decode gave NULL");
    check_pending_entries(list);
    enc = threads_pending_encode(p, list);
    FUZZ_CHECK(enc != NULL, "pending_encode gave NULL");
    again = threads_pending_decode(p, enc);
    FUZZ_CHECK(same_list(list, again), "pending list changed in a round trip");
    FUZZ_CHECK(strcmp(threads_pending_encode(p, again), enc) == 0,
               "pending list encoding is not stable");
    check_take(p, list);
    if (list->nelts > 0) {
        /* A clock near one entry's start, chosen by the input's size. */
        apr_int64_t now = entry(list, (int)(size % list->nelts))->created;
        apr_int64_t offset = (apr_int64_t)(size % 1400) - 700;

        if (offset <= 0 || now <= APR_INT64_MAX - offset) {
            now += offset;
        }
        check_prune(p, list, now, TIMEOUT);
    }
    check_prune(p, list, 0, TIMEOUT);
    check_prune(p, list, 1700000000, 1);
    check_prune(p, list, APR_INT64_MAX, APR_INT64_MAX);
}

/* Tries the input as a sealed value under label: it must not open unless
 * it is the value known to open, and a value that opens is read back. */
static void check_unseal(apr_pool_t *p, const char *sealed, const char *label,
                         const char *known, size_t size)
{
    const threads_key_t *keys[2];
    char *plain = NULL;
    apr_size_t len = 0;
    threads_token_t t;

    keys[0] = &old_key;
    keys[1] = &key;
    if (threads_unseal(p, keys, 2, label, sealed, &plain, &len) !=
        APR_SUCCESS) {
        FUZZ_CHECK(plain == NULL, "failed unseal left a plaintext");
        return;
    }
    FUZZ_CHECK(strcmp(sealed, known) == 0, "a value opened that nobody sealed");
    FUZZ_CHECK(plain != NULL && strlen(plain) == len,
               "unsealed plaintext length is wrong");
    if (threads_token_decode(p, plain, &t) == APR_SUCCESS) {
        check_token_roundtrip(p, &t);
    }
    check_pending_list(p, threads_pending_decode(p, plain), size);
}

/* Seals text, then checks that only the right label and key open it. */
static void check_seal_roundtrip(apr_pool_t *p, const char *text)
{
    const threads_key_t *keys[2];
    size_t len = strlen(text);
    char *sealed = NULL, *plain = NULL;
    apr_size_t plen = 0;

    FUZZ_CHECK(threads_seal(p, &key, LABEL_TOKEN, text, len, &sealed) ==
                       APR_SUCCESS &&
                   sealed != NULL,
               "seal failed");
    FUZZ_CHECK(strlen(sealed) == threads_sealed_length(len),
               "sealed_length disagrees with seal");
    keys[0] = NULL;
    keys[1] = &key;
    FUZZ_CHECK(threads_unseal(p, keys, 2, LABEL_TOKEN, sealed, &plain, &plen) ==
                   APR_SUCCESS,
               "a sealed value does not open");
    FUZZ_CHECK(plen == len && memcmp(plain, text, len) == 0,
               "a sealed value does not open to its plaintext");
    FUZZ_CHECK(threads_unseal(p, keys, 2, LABEL_PENDING, sealed, &plain,
                              &plen) != APR_SUCCESS,
               "a sealed value opened under another label");
    keys[0] = &other_key;
    FUZZ_CHECK(threads_unseal(p, keys, 1, LABEL_TOKEN, sealed, &plain, &plen) !=
                   APR_SUCCESS,
               "a sealed value opened under another key");
}

/* One input: a sealed value and a plaintext at once. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int have_keys;
    apr_pool_t *p = fuzz_pool_begin();
    const char *text = fuzz_cstring(p, data, size);
    threads_token_t t;

    if (!have_keys) {
        FUZZ_CHECK(threads_key_derive(KEY_SECRET, strlen(KEY_SECRET), APP_ID,
                                      &key) == APR_SUCCESS &&
                       threads_key_derive(OLD_SECRET, strlen(OLD_SECRET),
                                          APP_ID, &old_key) == APR_SUCCESS &&
                       threads_key_derive(OTHER_SECRET, strlen(OTHER_SECRET),
                                          APP_ID, &other_key) == APR_SUCCESS,
                   "key derivation failed");
        have_keys = 1;
    }
    check_unseal(p, text, LABEL_TOKEN, known_sealed_token, size);
    check_unseal(p, text, LABEL_PENDING, known_sealed_pending, size);
    if (threads_token_decode(p, text, &t) == APR_SUCCESS) {
        check_token_roundtrip(p, &t);
    }
    check_pending_list(p, threads_pending_decode(p, text), size);
    check_token_fields(p, text);
    check_pending_fields(p, text);
    check_seal_roundtrip(p, text);
    fuzz_pool_end(p);
    return 0;
}
