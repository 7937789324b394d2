/*
 * libcs - agents and groups: what other modules ask of them. Not API.
 */
#ifndef CS_AGENT_PRIVATE_H
#define CS_AGENT_PRIVATE_H

#include "cs-internal.h"
#include "store/agent.h"
#include "perm.h"

/* Whether the agent is a member of the group. */
int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id);
/* CS_OK when group `group_id` exists; CS_ENOTFOUND naming `field` otherwise. */
int cs_agent__group_exists(cs_db *db, int64_t group_id, const char *field);

#endif
