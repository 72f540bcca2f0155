/* GnuTLS, initialised only when something of this process uses it: a web
 * config (TLS, basic auth), a plugin, or libcurl (push, HTTPS probes),
 * which initialises it itself. Linked into the vigie executable only. */
#pragma once

/* Initialises GnuTLS once for the process's life; later calls do nothing.
 * 0, or GnuTLS's negative error code. */
int tls_library_start(void);
