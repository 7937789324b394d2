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
#include "cs/calendar.h"

#endif
