/* libyaml and libcrypt, dlopen'ed when a web configuration file
 * (--web.config.file) is read: libyaml parses it (web_config.c) and
 * libcrypt's crypt_rn checks its bcrypt hashes (exporters/http_auth.c).
 * Linked, they would be mapped into every agent, about 160 kB of
 * resident memory, for a file most servers never have. Loaded once and
 * kept. */
#pragma once

#include <crypt.h>
#include <stddef.h>
#include <yaml.h>

struct web_libs {
        __typeof__(yaml_parser_initialize) *parser_initialize;
        __typeof__(yaml_parser_set_input_string) *parser_set_input_string;
        __typeof__(yaml_parser_load) *parser_load;
        __typeof__(yaml_parser_delete) *parser_delete;
        __typeof__(yaml_document_get_root_node) *document_get_root_node;
        __typeof__(yaml_document_get_node) *document_get_node;
        __typeof__(yaml_document_delete) *document_delete;
        __typeof__(crypt_rn) *crypt_rn;
};

/* The libraries, loaded on first call. NULL if one is missing; then err
 * (size bytes) says which and how to get it. */
const struct web_libs *web_libs_get(char *err, size_t size);
