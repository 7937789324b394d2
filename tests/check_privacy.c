/*
 * Privacy across modules: undoing chained customer merges never hands one customer's data
 * to another.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static int64_t sql_int(cs_db *db, const char *fmt, int64_t a)
{
    char sql[400];

    snprintf(sql, sizeof(sql), fmt, (long long)a);
    return t_sql_int(db, sql);
}

/* Chained merges ----------------------------------------------------------------------- */

#define CHAIN 4

/* Customers 0..3, each with an address and a ticket; merges[i] merged customer i into
 * customer i + 1. */
struct chain {
    cs_db *db;
    int64_t customer[CHAIN], ticket[CHAIN], identity[CHAIN], merge[CHAIN - 1];
};

static void chain_build(struct chain *c)
{
    char email[64];

    c->db = t_open_memory();
    for (int i = 0; i < CHAIN; i++) {
        snprintf(email, sizeof(email), "c%d@example.com", i);
        c->customer[i] = t_customer(c->db, "Chain", email);
        c->identity[i] =
            sql_int(c->db, "SELECT id FROM identity WHERE customer_id = %lld", c->customer[i]);
        c->ticket[i] = t_ticket(c->db, c->customer[i], "Frage");
    }
    for (int i = 0; i < CHAIN - 1; i++)
        ck_assert_ok(cs_customer_merge(&c->merge[i], c->db, c->customer[i + 1], c->customer[i]));
}

/* Where customer i's data belongs now: the end of its chain of merges that still hold. */
static int64_t holder(const struct chain *c, int i)
{
    int64_t id = c->customer[i], next;

    while ((
        next = sql_int(c->db, "SELECT coalesce(merged_into, 0) FROM customer WHERE id = %lld", id)))
        id = next;
    return id;
}

/* Every customer's address and ticket are with its holder: nobody else has them. */
static void check_holders(const struct chain *c, const char *when)
{
    for (int i = 0; i < CHAIN; i++) {
        int64_t h = holder(c, i);
        ck_assert_msg(
            sql_int(c->db, "SELECT customer_id FROM identity WHERE id = %lld", c->identity[i]) == h,
            "%s: customer %d's address is not with customer %lld", when, i, (long long)h);
        ck_assert_msg(
            sql_int(c->db, "SELECT customer_id FROM ticket WHERE id = %lld", c->ticket[i]) == h,
            "%s: customer %d's ticket is not with customer %lld", when, i, (long long)h);
    }
}

/* The story: A into B, B into C, then undo A into B. */
START_TEST(unmerge_names_the_later_merge)
{
    struct chain c;
    cs_ticket *t = NULL;
    cs_ingest_result *r = NULL;
    cs_inbound in = CS_INBOUND_INIT;
    char later[32];

    chain_build(&c);
    /* A (0) into B (1) into C (2); C into D (3) is undone first so only two remain. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[2]));
    int64_t audits = t_sql_int(c.db, "SELECT count(*) FROM audit");
    ck_assert_rc(cs_customer_unmerge(c.db, c.merge[0]), CS_ECONFLICT);
    ck_assert_field("merge_id");
    snprintf(later, sizeof(later), "merge %lld", (long long)c.merge[1]);
    ck_assert_msg(strstr(cs_error_last()->message, later), "\"%s\" does not name %s",
                  cs_error_last()->message, later);
    ck_assert_int_eq(t_sql_int(c.db, "SELECT count(*) FROM audit"), audits);
    ck_assert_int_eq(sql_int(c.db,
                             "SELECT count(*) FROM customer_merge WHERE id = %lld"
                             " AND undone_at IS NULL",
                             c.merge[0]),
                     1);
    check_holders(&c, "after the refused undo");

    /* Undo B into C: A's data goes back to B, where A is still merged. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[1]));
    check_holders(&c, "after undoing B into C");
    /* Now A into B can be undone, and B no longer sees A's ticket. */
    ck_assert_ok(cs_customer_unmerge(c.db, c.merge[0]));
    check_holders(&c, "after undoing A into B");
    ck_assert_ok(cs_db_set_actor(c.db, CS_ACTOR_CUSTOMER, c.customer[1]));
    ck_assert_int_ne(cs_ticket_lookup(&t, c.db, c.ticket[0]), CS_OK);
    ck_assert_ptr_null(t);
    ck_assert_ok(cs_db_set_actor(c.db, CS_ACTOR_SYSTEM, 0));
    /* A's next mail is A's (t_ticket numbered tickets without the counter). */
    ck_assert_int_eq(sqlite3_exec(c.db->sql,
                                  "UPDATE counter SET value = (SELECT max(number)"
                                  " FROM ticket) WHERE name = 'ticket_number'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    in.channel_id = t_channel(c.db, CS_CHANNEL_EMAIL, "Mail");
    in.sender = "c0@example.com";
    in.body = "wieder da";
    ck_assert_ok(cs_ingest(&r, c.db, &in));
    ck_assert_int_eq(r->customer_id, c.customer[0]);
    cs_ingest_result_free(r);
    cs_db_close(c.db);
}
END_TEST

/* Three chained merges, undone in each of the six orders: a refused undo changes nothing
 * and names a merge that still holds; at every step each customer's data is with the
 * customer it is merged into, and in the end everyone has their own back. */
START_TEST(unmerge_chain_in_every_order)
{
    static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2},
                                     {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    for (int o = 0; o < 6; o++) {
        struct chain c;
        bool undone[CHAIN - 1] = {false};
        int left = CHAIN - 1;
        char when[64];

        chain_build(&c);
        check_holders(&c, "after merging");
        for (int pass = 0; pass < CHAIN && left; pass++) {
            for (int k = 0; k < CHAIN - 1; k++) {
                int m = orders[o][k];
                if (undone[m])
                    continue;
                int rc = cs_customer_unmerge(c.db, c.merge[m]);
                snprintf(when, sizeof(when), "order %d, undo of merge %d", o, m);
                if (rc == CS_OK) {
                    undone[m] = true;
                    left--;
                } else {
                    ck_assert_msg(rc == CS_ECONFLICT, "%s: %s", when, cs_error_last()->message);
                    ck_assert_field("merge_id");
                    ck_assert_msg(m + 1 < CHAIN - 1 && !undone[m + 1], "%s refused: %s", when,
                                  cs_error_last()->message);
                }
                check_holders(&c, when);
            }
        }
        ck_assert_int_eq(left, 0);
        for (int i = 0; i < CHAIN; i++)
            ck_assert_int_eq(holder(&c, i), c.customer[i]);
        cs_db_close(c.db);
    }
}
END_TEST

Suite *cs_privacy_suite(void)
{
    Suite *s = suite_create("privacy");
    TCase *tc = tcase_create("unmerge");

    tcase_add_test(tc, unmerge_names_the_later_merge);
    tcase_add_test(tc, unmerge_chain_in_every_order);
    suite_add_tcase(s, tc);
    return s;
}
