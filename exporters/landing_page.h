/* The page at /: what a person opening the agent in a browser reads. */
#pragma once

#include "buf.h"
#include "scrape.h"

/* Writes the whole page into out; out->error says whether it all fit. */
void landing_page_write(struct buf *out, struct scrape_engine *engine, const char *metrics_path);
