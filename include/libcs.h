/**
 * @file
 * The umbrella header of libcs, an embeddable customer-service library: include this one.
 * Only the headers it includes are API.
 */

/**
 * @mainpage libcs C API
 *
 * A program includes `<libcs.h>` and links with `pkg-config --cflags --libs libcs`. Every
 * function's contract (what it takes, what it returns, who may call it) is in its header:
 *
 * - cs/db.h: the handle, transactions, settings and who is acting;
 * - cs/errors.h: status codes and cs_error_last();
 * - cs/ingest.h and cs/mail.h: the door in (cs_ingest(), cs_ingest_mail());
 * - cs/outbox.h: the door out (cs_reply(), cs_outbox_claim(), cs_outbox_ack());
 * - cs/customer.h, cs/channel.h, cs/agent.h, cs/ticket.h, cs/message.h: the objects;
 * - cs/sla.h, cs/calendar.h, cs/tick.h, cs/route.h: time, service levels and routing;
 * - cs/custom.h, cs/audit.h: custom fields and the audit trail;
 * - cs/call.h: cs_call(), every capability as a JSON request.
 *
 * The tutorial (docs/tutorial.md) walks a shop through one complete program; docs/api.md
 * documents the JSON interface. Each function also has a manual page: `man 3 cs_ingest`.
 */
#ifndef LIBCS_H
#define LIBCS_H

#include "cs/common.h"
#include "cs/errors.h"
#include "cs/version.h"
#include "cs/db.h"
#include "cs/customer.h"
#include "cs/channel.h"
#include "cs/agent.h"
#include "cs/ticket.h"
#include "cs/message.h"
#include "cs/audit.h"
#include "cs/ingest.h"
#include "cs/outbox.h"
#include "cs/calendar.h"
#include "cs/sla.h"
#include "cs/tick.h"
#include "cs/route.h"
#include "cs/custom.h"
#include "cs/mail.h"
#include "cs/call.h"

#endif
