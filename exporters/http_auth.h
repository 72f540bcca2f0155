/* Basic auth against the bcrypt hashes of a web config's
 * basic_auth_users, through libcrypt. A check that succeeded is
 * remembered, keyed by the user, the password and the hash it matched,
 * so that a scrape every 15 s pays bcrypt once, and a changed password or
 * file never reuses it. Every refusal costs one bcrypt, whatever was
 * wrong (no credentials, an unknown user, a wrong password), so that its
 * time says nothing. Thread-safe; nothing here logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "web_config.h"

struct http_auth;

/* Copies the users. 0, -ENOMEM, or -EIO without a random source. */
int http_auth_new(const struct web_user *users, size_t n, struct http_auth **ret);
void http_auth_free(struct http_auth *a);
/* Whether user and password (either may be NULL: none sent) are one of
 * the users'. */
bool http_auth_check(struct http_auth *a, const char *user, const char *password);
/* How many bcrypt checks ran, for the tests. */
unsigned long long http_auth_bcrypt_runs(struct http_auth *a);
