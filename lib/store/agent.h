/*
 * libcs - the storage of agents, their skills, groups and memberships: what a backend
 * provides. Not API.
 */
#ifndef CS_STORE_AGENT_H
#define CS_STORE_AGENT_H

#include "cs-internal.h"

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
    int role; /* a cs_agent_role */
    bool active;
    int ticket_access; /* a cs_ticket_access */
} cs_agent__rights;

/* Agents. Writing one whose email another agent has is CS_EEXISTS. */
int cs_store__agent_insert(int64_t *id, cs_db *db, const cs_agent__row *row, cs_time now);
int cs_store__agent_update(cs_db *db, int64_t id, const cs_agent__row *row, cs_time now);
/* Read agent `id` into *a, but for its skills and groups (strings in libcs memory, released
 * with cs_agent_free); *found false when there is none. */
int cs_store__agent_get(cs_agent *a, bool *found, cs_db *db, int64_t id);
/* The agent whose (lower-cased) email is `email`: its id, or 0 when there is none. */
int cs_store__agent_by_email(int64_t *id, cs_db *db, const char *email);
/* Whether agent `id` exists. */
int cs_store__agent_exists(bool *found, cs_db *db, int64_t id);
/* How many active admins there are besides agent `id`. */
int cs_store__agent_other_admins(int64_t *count, cs_db *db, int64_t id);
/* What an agent's rights as an actor rest on (perm.c reads them on every call); *found
 * false for an unknown agent. */
int cs_store__agent_rights(cs_agent__rights *out, bool *found, cs_db *db, int64_t id);

/* An agent's skills, sorted; replacing them. */
int cs_store__agent_skills(cs_strv *out, cs_db *db, int64_t id);
int cs_store__agent_skills_set(cs_db *db, int64_t id, const cs_strv *skills);
/* The ids of an agent's groups, ascending, *n of them; release with cs_mem__free, also after
 * an error (then they are the ones read before it). */
int cs_store__agent_groups(int64_t **out, size_t *n, cs_db *db, int64_t id);
/* Whether an agent is a member of a group. */
int cs_store__agent_in_group(bool *out, cs_db *db, int64_t agent_id, int64_t group_id);

/* Groups. A name another group has is CS_EEXISTS. */
int cs_store__agent_group_insert(int64_t *id, cs_db *db, const char *name, cs_time now);
/* Whether group `id` exists. */
int cs_store__agent_group_exists(bool *found, cs_db *db, int64_t id);
/* Add an agent to a group, or remove it; *changed false when it already was, or was not, a
 * member. */
int cs_store__agent_member_add(bool *changed, cs_db *db, int64_t group_id, int64_t agent_id);
int cs_store__agent_member_remove(bool *changed, cs_db *db, int64_t group_id, int64_t agent_id);

#endif
