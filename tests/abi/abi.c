/* A tiny library built from include/vigie-plugin.h alone, so that abidw
 * sees its types: what tests/abi/vigie-plugin.abi records and abi.sh
 * compares against. */
#include <vigie-plugin.h>

VIGIE_PLUGIN_EXPORT uint32_t vigie_abi_host(const struct vigie_host *host);
VIGIE_PLUGIN_EXPORT uint32_t vigie_abi_host(const struct vigie_host *host) {
        return host->size;
}

VIGIE_PLUGIN_EXPORT uint32_t vigie_abi_plugin(const struct vigie_plugin *plugin);
VIGIE_PLUGIN_EXPORT uint32_t vigie_abi_plugin(const struct vigie_plugin *plugin) {
        return plugin->size;
}

VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_abi_entry(vigie_plugin_entry_fn entry,
                                                               const struct vigie_host *host, vigie_host_ctx *ctx);
VIGIE_PLUGIN_EXPORT const struct vigie_plugin *vigie_abi_entry(vigie_plugin_entry_fn entry,
                                                               const struct vigie_host *host, vigie_host_ctx *ctx) {
        return entry(host, ctx);
}
