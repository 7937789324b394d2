/*
 * libcs - embeddable customer-service library.
 *
 * The umbrella header: include this one. Only the headers it includes are API.
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
