/**
 * @file
 * Agents and groups: the people who answer (P4, P10).
 */
#ifndef CS_AGENT_H
#define CS_AGENT_H

#include "common.h"

CS_BEGIN_DECL

/** What an agent may do. Append-only. */
enum cs_agent_role {
    CS_ROLE_ADMIN = 1, /**< everything, including configuration */
    CS_ROLE_AGENT = 2, /**< tickets, customers, messages */
    CS_ROLE_LIGHT = 3  /**< reads, and adds internal notes */
};

/** The role's name ("admin", "agent", "light"), or NULL. @since 0.1 */
CS_EXTERN(const char *) cs_agent_role_name(int role);
/** The role with this name, or 0. @since 0.1 */
CS_EXTERN(int) cs_agent_role_parse(const char *name);

/**
 * Which tickets an agent (or light agent) sees. Admins see every ticket whatever this says.
 * Append-only.
 */
enum cs_ticket_access {
    /** every ticket (the default) */
    CS_ACCESS_ALL = 1,
    /** the tickets of the groups the agent belongs to and those assigned to it: every read,
     * list, search, report and next-ticket pick is limited to them, another ticket does not
     * exist for the agent (CS_ENOTFOUND), and what spans every group (customer-wide audit
     * trails, exports, ingest) is refused (CS_EPERM). */
    CS_ACCESS_GROUPS = 2
};

/** The access's name ("all", "groups"), or NULL. @since 0.2 */
CS_EXTERN(const char *) cs_ticket_access_name(int access);
/** The access with this name, or 0. @since 0.2 */
CS_EXTERN(int) cs_ticket_access_parse(const char *name);

/** Longest avatar URL, in bytes. */
#define CS_URL_MAX 2048

/** Version 2 added ticket_access; version 1 structs are still accepted. */
#define CS_AGENT_FIELDS_VERSION 2

/**
 * Agent fields for create and update; see cs_customer_fields for the conventions.
 * Text is UTF-8; the name is at most CS_NAME_MAX bytes, the email CS_IDENTITY_MAX, the
 * avatar URL CS_URL_MAX.
 */
typedef struct cs_agent_fields {
    unsigned int version; /**< CS_AGENT_FIELDS_VERSION */
    const char *name;     /**< display name; required on create, not only blanks */
    /** shown in signatures (P10), at most 4 characters. Default (and after "" on update):
     * the first characters of the name's first and last word, ASCII letters upper-cased
     * ("Anna Berger" -> "AB"). A new name keeps the old initials unless these are given. */
    const char *initials;
    /** one '@' with text on both sides, no white space; unique when given. Stored with
     * ASCII letters lower-cased, so uniqueness ignores their case. */
    const char *email;
    const char *avatar_url;    /**< at most CS_URL_MAX bytes */
    int role;                  /**< a cs_agent_role; default CS_ROLE_AGENT */
    int active;                /**< 0 or 1; default 1. An inactive agent cannot act. */
    const char *const *skills; /**< replaces all skills when non-NULL (as tags: see
                                    cs_customer_fields); kept sorted, without duplicates */
    size_t nskills;
    int ticket_access; /**< a cs_ticket_access; 0 keeps it (default CS_ACCESS_ALL).
                            @since 0.2 (fields version 2) */
} cs_agent_fields;

/* clang-format off */
#define CS_AGENT_FIELDS_INIT                                                                   \
    {CS_AGENT_FIELDS_VERSION, NULL, NULL, NULL, NULL, 0, CS_UNSET, NULL, 0, 0}
/* clang-format on */

/**
 * Fill *out with the defaults of version `version` of its struct (CS_AGENT_FIELDS_INIT gives those
 * of the current one): for bindings that cannot read macros, and for callers built against an
 * older version.
 *
 * @return CS_OK; CS_EINVAL for NULL or a version this library does not know
 * @since 0.2
 */
CS_EXTERN(int) cs_agent_fields_init(cs_agent_fields *out, unsigned int version);

typedef struct cs_agent cs_agent;

/**
 * Create an agent. Admins and system only.
 *
 * @param[out] id the new agent's id
 * @return CS_OK; CS_EINVAL naming the field; CS_EEXISTS for a taken email; CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_agent_create(int64_t *id, cs_db *db, const cs_agent_fields *fields);

/**
 * Change an agent. Admins and system only. Every changed field (and the skill set) is
 * recorded in the audit trail; an update that changes nothing records nothing. A changed
 * role, ticket access or active flag applies from the next call of every handle acting as
 * this agent, in every process. The last active admin cannot be demoted or deactivated
 * (CS_ECONFLICT naming "role" or "active"): make another agent an admin first.
 * @return as cs_agent_create(), CS_ENOTFOUND and CS_ECONFLICT
 * @since 0.1
 */
CS_EXTERN(int) cs_agent_update(cs_db *db, int64_t id, const cs_agent_fields *fields);

/**
 * Read an agent with its skills and groups.
 * @param[out] out owned by the caller; release with cs_agent_free()
 * @return CS_OK; CS_ENOTFOUND; CS_EPERM for a customer actor
 * @since 0.1
 */
CS_EXTERN(int) cs_agent_lookup(cs_agent **out, cs_db *db, int64_t id);

/**
 * Read the agent with this email (compared without ASCII case), with its skills and
 * groups: how a host that knows its staff by address finds their agent.
 * @param[out] out owned by the caller; release with cs_agent_free()
 * @return CS_OK; CS_ENOTFOUND naming "email" when no agent has it; CS_EINVAL for a NULL
 *         argument or an email that is not valid UTF-8 text; CS_EPERM for a customer actor
 * @since 0.2
 */
CS_EXTERN(int) cs_agent_find(cs_agent **out, cs_db *db, const char *email);

/** Release an agent. NULL is a no-op. @since 0.1 */
CS_EXTERN(void) cs_agent_free(cs_agent *agent);

/**
 * @name Getters
 * Strings are borrowed until cs_agent_free(). @since 0.1
 */
/** @{ */
CS_EXTERN(int64_t) cs_agent_id(const cs_agent *a);
CS_EXTERN(const char *) cs_agent_name(const cs_agent *a);
CS_EXTERN(const char *) cs_agent_initials(const cs_agent *a);
CS_EXTERN(const char *) cs_agent_email(const cs_agent *a);
CS_EXTERN(const char *) cs_agent_avatar_url(const cs_agent *a);
CS_EXTERN(int) cs_agent_role(const cs_agent *a);
CS_EXTERN(int) cs_agent_active(const cs_agent *a);
/** A cs_ticket_access. @since 0.2 */
CS_EXTERN(int) cs_agent_ticket_access(const cs_agent *a);
CS_EXTERN(size_t) cs_agent_skill_count(const cs_agent *a);
/** Skill i in byte order, or NULL when i is out of range. */
CS_EXTERN(const char *) cs_agent_skill(const cs_agent *a, size_t i);
CS_EXTERN(size_t) cs_agent_group_count(const cs_agent *a);
/** The id of group i (ascending), or 0 when i is out of range. */
CS_EXTERN(int64_t) cs_agent_group(const cs_agent *a, size_t i);
/** When the agent was created. @since 0.2 */
CS_EXTERN(cs_time) cs_agent_created_at(const cs_agent *a);
/** When the agent was last changed. @since 0.2 */
CS_EXTERN(cs_time) cs_agent_updated_at(const cs_agent *a);
/** @} */

/**
 * The agent as a JSON object (the shape of docs/json.md, as `agent.get` answers).
 * @param[out] out release with cs_str_free()
 * @return CS_OK; CS_EINVAL for a NULL argument; CS_ENOMEM
 * @since 0.1
 */
CS_EXTERN(int) cs_agent_to_json(char **out, const cs_agent *a);

/**
 * Create a group of agents (a queue). Admins and system only.
 * @param[out] id the new group's id
 * @param name unique, at most CS_NAME_MAX bytes of UTF-8, not only blanks; copied
 * @return CS_OK; CS_EINVAL (field "name"); CS_EEXISTS for a taken name; CS_EPERM;
 *         CS_EREADONLY; CS_EBUSY; CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_group_create(int64_t *id, cs_db *db, const char *name);

/**
 * Add an agent to a group. Admins and system only. Adding a member twice is CS_OK and
 * records nothing in the audit trail.
 * @return CS_OK; CS_ENOTFOUND (field "group_id" or "agent_id"); CS_EPERM; CS_EREADONLY; CS_EBUSY;
 * CS_EDB
 * @since 0.1
 */
CS_EXTERN(int) cs_group_add_agent(cs_db *db, int64_t group_id, int64_t agent_id);

/**
 * Take an agent out of a group. Admins and system only. Removing a non-member is CS_OK and
 * records nothing in the audit trail.
 * @return as cs_group_add_agent()
 * @since 0.1
 */
CS_EXTERN(int) cs_group_remove_agent(cs_db *db, int64_t group_id, int64_t agent_id);

CS_END_DECL

#endif
