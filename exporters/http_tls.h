/* TLS for the HTTP server, on libmicrohttpd's GnuTLS: the certificate,
 * key and client CA of a web config, handed to each handshake through
 * MHD_OPTION_HTTPS_CERT_CALLBACK, so that a reload swaps them without
 * restarting the listener (handshakes from then on get the new ones; the
 * connections being served keep theirs). Client certificates are asked
 * for and checked in the handshake as node_exporter's client_auth_type
 * says. A client that reconnects resumes its session with a ticket (TLS
 * 1.2 and 1.3), whose key changes every hour and at every reload. */
#pragma once

#include <stdint.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "diag.h"
#include "web_config.h"

struct http_tls;

/* Loads the files wc names (wc asks for TLS). A file that cannot be read
 * or does not hold what it should: -EINVAL, with "FILE:LINE: KEY: ..." of
 * the web config in diag. */
int http_tls_new(const struct web_config *wc, struct http_tls **ret, struct diag *diag);
/* Reads wc's files again and serves them from the next handshake on; on
 * error the running ones stay. 1 when wc's versions differ from those t
 * started with (they take effect at a restart), else 0. */
int http_tls_reload(struct http_tls *t, const struct web_config *wc, struct diag *diag);
void http_tls_free(struct http_tls *t);
/* GnuTLS's priority string: the versions wc allows (1.2 at least), key
 * exchanges with forward secrecy, the server's order if asked. */
const char *http_tls_priorities(const struct http_tls *t);
/* Lets session (not yet shaken hands) issue and take session tickets
 * under t's key, which is replaced first when it is older than its
 * lifetime at now (CLOCK_BOOTTIME ns). */
int http_tls_session_start(struct http_tls *t, gnutls_session_t session, uint64_t now);
/* Makes t the one http_tls_retrieve serves (GnuTLS's callback takes no
 * pointer of ours); NULL for none. */
void http_tls_activate(struct http_tls *t);
/* The MHD_OPTION_HTTPS_CERT_CALLBACK. */
int http_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                      const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                      unsigned int *pcert_length, gnutls_privkey_t *pkey);
