/*
 * text.h: the character classes the protocol code tests, defined once.
 *
 * Tokens, bearer headers, local URLs, user ids, states and permission
 * names are each held to one of these; keeping them here means a class is
 * never spelled two ways.
 */
#ifndef THREADS_CORE_TEXT_H
#define THREADS_CORE_TEXT_H

#include "apr.h"
#include "apr_pools.h"

/* Upper-case hex digits, for %XX and \u00XX escapes. */
extern const char threads_text_hex[];

/* The value of one hex digit (either case), or -1. */
int threads_text_hex_value(unsigned char c);

/* len bytes at in as 2 * len upper-case hex digits and a NUL at out,
 * which holds 2 * len + 1 characters. */
void threads_text_hex_encode(char *out, const unsigned char *in,
                             apr_size_t len);

/* 1 for printable ASCII other than space (0x21..0x7e): what may stand in a
 * header value, a cookie or a URL without escaping. */
int threads_text_is_visible(unsigned char c);

/* 1 when the len bytes of s are all visible ASCII (and len > 0). */
int threads_text_all_visible(const char *s, apr_size_t len);

/* 1 when the len bytes of s are 1..max decimal digits. */
int threads_text_all_digits(const char *s, apr_size_t len, apr_size_t max);

/* Reads a positive decimal number of digits only (no sign, no spaces,
 * at most 19 digits) into *out; 0 for anything else. */
int threads_text_parse_positive(const char *s, apr_int64_t *out);

/* 1 for the characters of a permission name: A-Z a-z 0-9 _ . */
int threads_text_is_scope_char(unsigned char c);

/* The 6-bit value of a base64url character (A-Z a-z 0-9 - _), or -1. */
int threads_text_b64url_value(unsigned char c);

/* The length (1..4) of the well-formed UTF-8 sequence at s, with its code
 * point in *cp; 0 when the bytes there are not one (overlong forms,
 * surrogates and values past U+10FFFF included). s must be NUL-terminated
 * or have 4 readable bytes. */
apr_size_t threads_text_utf8_char(const unsigned char *s, unsigned long *cp);

/* 1 for a code point that must not reach REMOTE_USER, a variable or a
 * header: C0 and C1 controls, DEL, the line and paragraph separators, and
 * the marks, embeddings, overrides and isolates that reorder text
 * (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069). */
int threads_text_is_unsafe_char(unsigned long cp);

#endif /* THREADS_CORE_TEXT_H */
