/*
 * libcs - reactions: the changes an operation made to tickets, and the reactions that run
 * once for each, in a fixed order, before the operation commits.
 */
#include "config.h"

#include <string.h>

#include "cs-internal.h"
#include "react.h"

#define REACTIONS_MAX 8

/* The reactions of a handle, registered when it opens; kept across rollbacks. */
struct registry {
    cs_react__fn fn[REACTIONS_MAX];
    unsigned what[REACTIONS_MAX];
    int64_t runs[REACTIONS_MAX];
    size_t n;
};

/* The changes noted since the last run; dropped when a transaction rolls back. */
struct pending {
    cs_react__change *v;
    size_t n, cap;
};

static const char registry_key = 0, pending_key = 0;

static void registry_release(void *state)
{
    cs_mem__free(state);
}

static void pending_release(void *state)
{
    struct pending *p = state;

    cs_mem__free(p->v);
    cs_mem__free(p);
}

int cs_react__register(cs_db *db, cs_react__fn fn, unsigned what)
{
    struct registry *r = cs_db__state_get(db, &registry_key, sizeof(*r), registry_release, true);

    if (!r)
        return cs_error_last()->code;
    if (r->n == REACTIONS_MAX)
        return cs_error__set(CS_ERROR, NULL, "internal: more than %d reactions", REACTIONS_MAX);
    r->what[r->n] = what;
    r->fn[r->n++] = fn;
    return CS_OK;
}

/* The pending change of a ticket, added when there is none. */
static int change_of(cs_react__change **out, cs_db *db, int64_t ticket_id)
{
    struct pending *p = cs_db__state_get(db, &pending_key, sizeof(*p), pending_release, false);

    *out = NULL;
    if (!p)
        return cs_error_last()->code;
    for (size_t i = 0; i < p->n; i++) {
        if (p->v[i].ticket_id == ticket_id) {
            *out = &p->v[i];
            return CS_OK;
        }
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 8;
        cs_react__change *v = cs_mem__realloc(p->v, cap * sizeof(*v));
        if (!v)
            return cs_error__nomem();
        p->v = v;
        p->cap = cap;
    }
    *out = &p->v[p->n++];
    memset(*out, 0, sizeof(**out));
    (*out)->ticket_id = ticket_id;
    return CS_OK;
}

static void add(cs_react__change *c, unsigned what)
{
    c->what |= what;
    for (unsigned bit = 1; bit <= what; bit <<= 1) {
        if (!(what & bit) || (c->nseq && c->seq[c->nseq - 1] == bit))
            continue;
        if (c->nseq < CS_REACT__SEQ_MAX)
            c->seq[c->nseq++] = (unsigned char)bit;
    }
}

int cs_react__note(cs_db *db, int64_t ticket_id, unsigned what, int64_t message_id)
{
    cs_react__change *c;
    int rc;

    if (!what)
        return CS_OK;
    if ((rc = change_of(&c, db, ticket_id)) < 0)
        return rc;
    add(c, what);
    if (message_id)
        c->message_id = message_id;
    return CS_OK;
}

int cs_react__note_assign(cs_db *db, int64_t ticket_id, int64_t old_group, int64_t old_agent,
                          int64_t group, int64_t agent)
{
    cs_react__change *c;
    int rc;

    if ((rc = change_of(&c, db, ticket_id)) < 0)
        return rc;
    if (!(c->what & CS_REACT__ASSIGNED)) {
        c->old_group = old_group;
        c->old_agent = old_agent;
    }
    c->group = group;
    c->agent = agent;
    add(c, CS_REACT__ASSIGNED);
    return CS_OK;
}

/* Take the pending changes out of the handle, so that what the reactions note goes into a
 * new list (the next round). */
static struct pending take(cs_db *db)
{
    struct pending *p = cs_db__state(db, &pending_key), taken = {NULL, 0, 0};

    if (p) {
        taken = *p;
        p->v = NULL;
        p->n = p->cap = 0;
    }
    return taken;
}

int cs_react__run(cs_db *db)
{
    struct registry *r = cs_db__state(db, &registry_key);
    int rc = CS_OK;

    for (int round = 0; rc == CS_OK; round++) {
        struct pending p = take(db);
        if (!p.n) {
            cs_mem__free(p.v);
            return CS_OK;
        }
        if (round == CS_REACT__DEPTH) {
            cs_mem__free(p.v);
            return cs_error__set(CS_ECONFLICT, NULL,
                                 "reactions kept changing tickets after %d "
                                 "rounds: stopped",
                                 CS_REACT__DEPTH);
        }
        for (size_t i = 0; i < p.n && rc == CS_OK; i++) {
            for (size_t k = 0; r && k < r->n && rc == CS_OK; k++) {
                if (!(p.v[i].what & r->what[k]))
                    continue;
                r->runs[k]++;
                rc = r->fn[k](db, &p.v[i]);
            }
        }
        cs_mem__free(p.v);
    }
    return rc;
}

int cs_react__end(cs_db *db, int rc)
{
    if (rc >= 0)
        rc = cs_react__run(db);
    return cs_db__end(db, rc);
}

int64_t cs_react__runs(cs_db *db, cs_react__fn fn)
{
    struct registry *r = cs_db__state(db, &registry_key);

    for (size_t k = 0; r && k < r->n; k++)
        if (r->fn[k] == fn)
            return r->runs[k];
    return 0;
}
