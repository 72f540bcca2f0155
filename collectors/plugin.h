/* Plugin instances as collectors (plugin.c): not in the registry, since
 * there is one per [plugin.NAME] section rather than one per build. */
#pragma once

#include "collector.h"

/* The collector of [plugin.NAME], named plugin.NAME; kept for the
 * process's life. NULL on ENOMEM. */
const struct collector *plugin_collector_named(const char *name);
