/*
 * libcs - None. Not API.
 */
#ifndef CS_AGENT_PRIVATE_H
#define CS_AGENT_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"


/* The agent's current rights as an actor; CS_ENOTFOUND (field "id") for an unknown agent,
 * CS_EPERM for an inactive one. */
int cs_agent__actor(cs_actor *out, cs_db *db, int64_t id);
/* Whether the agent is a member of the group. */
int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id);

#endif
