/*
 * libcs - None. Not API.
 */
#ifndef CS_AGENT_PRIVATE_H
#define CS_AGENT_PRIVATE_H

#include "cs-internal.h"
#include "perm.h"

/* An agent: the store reads its row, its skills and its groups into one. */
struct cs_agent {
    int64_t id;
    char *name;
    char *initials;
    char *email;
    char *avatar_url;
    int role;
    int active;
    int ticket_access;
    cs_strv skills;
    int64_t *groups;
    size_t ngroups;
    cs_time created_at;
    cs_time updated_at;
};

/* The values an agent row is written with; strings are borrowed. */
typedef struct cs_agent__row {
    const char *name;
    const char *initials;
    const char *email;
    const char *avatar_url;
    int role;
    int active;
    int ticket_access;
} cs_agent__row;

/* What an agent may do, as stored. */
typedef struct cs_agent__rights {
    int role;          /* a cs_agent_role */
    bool active;
    int ticket_access; /* a cs_ticket_access */
} cs_agent__rights;

/* Whether the agent is a member of the group. */
int cs_agent__in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id);
/* CS_OK when group `group_id` exists; CS_ENOTFOUND naming `field` otherwise. */
int cs_agent__group_exists(cs_db *db, int64_t group_id, const char *field);

#endif
