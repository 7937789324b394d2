/**
 * @file
 * The tick: everything time-based, driven by the host with the time passed in.
 */
#ifndef CS_TICK_H
#define CS_TICK_H

#include "common.h"

CS_BEGIN_DECL

/** One thing a tick recorded; read it with the cs_tick_item_*() getters. */
typedef struct cs_tick_item cs_tick_item;

/** What a tick did. Owned by the caller; release with cs_tick_result_free(). */
typedef struct cs_tick_result cs_tick_result;

/**
 * Run everything that is due at `now`, in one transaction: record the SLA warnings whose
 * warn_at and the breaches whose target_at lie at or before `now` on running clocks, each
 * exactly once per deadline, in the order they fell due. A change to the ticket or a stop
 * of the clock after a deadline records the warning and breach itself (at warn_at and
 * target_at, before the change), and a tick never records them again: the tick only decides
 * how soon the host hears of them, not the SLA history (the breach rule, docs/sla.md).
 * Calling it again for the same (or an earlier) `now` records nothing; outbox leases need no
 * tick (a claim settles expired leases first). System and admins only.
 *
 * @param[out] out what changed; release with cs_tick_result_free()
 * @param now      the time to run for, usually cs_db_now(); any value is honoured (one
 *                 before every deadline records nothing)
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_EPERM; CS_EREADONLY; CS_EBUSY;
 *         CS_ENOMEM; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_tick(cs_tick_result **out, cs_db *db, cs_time now);

/** Release a tick result. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_tick_result_free(cs_tick_result *result);

/**
 * @name Getters of a tick result
 * Each answers 0 for NULL. @since 0.2
 */
/** @{ */
/** The time the tick ran for. @since 0.2 */
CS_EXTERN(cs_time) cs_tick_result_now(const cs_tick_result *result);
/** The number of warnings recorded. @since 0.2 */
CS_EXTERN(size_t) cs_tick_result_warned(const cs_tick_result *result);
/** The number of breaches recorded. @since 0.2 */
CS_EXTERN(size_t) cs_tick_result_breached(const cs_tick_result *result);
/** The number of items: warnings and breaches together. @since 0.2 */
CS_EXTERN(size_t) cs_tick_result_count(const cs_tick_result *result);
/** Item i, borrowed from the result: warnings first, each kind by the time it fell due; NULL
 * past the end. @since 0.2 */
CS_EXTERN(const cs_tick_item *) cs_tick_result_item(const cs_tick_result *result, size_t i);
/** @} */

/**
 * @name Getters of a tick item
 * Each answers 0 for NULL. @since 0.2
 */
/** @{ */
/** @since 0.2 */
CS_EXTERN(int64_t) cs_tick_item_ticket_id(const cs_tick_item *item);
/** A cs_sla_metric. @since 0.2 */
CS_EXTERN(int) cs_tick_item_metric(const cs_tick_item *item);
/** CS_SLA_EVENT_WARNED or CS_SLA_EVENT_BREACHED. @since 0.2 */
CS_EXTERN(int) cs_tick_item_kind(const cs_tick_item *item);
/** When it fell due (warn_at or target_at), not when the tick ran. @since 0.2 */
CS_EXTERN(cs_time) cs_tick_item_at(const cs_tick_item *item);
/** @} */

CS_END_DECL

#endif
