/*
 * Mail out: the Message-IDs libcs makes, and outbox items rendered as RFC 5322 bytes
 * (cs_outbox_item_mime), parsed back with GMime and checked header by header.
 */
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"
#include "helpers.h"

static cs_db *db;
static int64_t mail_ch, carla;

static void setup(void)
{
    cs_agent_fields a = CS_AGENT_FIELDS_INIT;

    db = t_open_memory();
    mail_ch = t_channel(db, CS_CHANNEL_EMAIL, "Mail");
    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET name = 'Shop Support', address ="
                                   " 'support@shop.example' WHERE kind = 1 RETURNING 1"),
                     1);
    a.name = "Carla Agent";
    ck_assert_ok(cs_agent_create(&carla, db, &a));
}

static void teardown(void)
{
    cs_db_close(db);
    db = NULL;
}

/* Ingest a customer's mail; returns the result (the caller frees it). */
static cs_ingest_result *mail_on(cs_db *h, const char *id, const char *from, const char *name,
                                 const char *subject)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL;

    in.channel_id = mail_ch;
    in.external_id = id;
    in.sender = from;
    in.sender_name = name;
    in.subject = subject;
    in.body = "Meine Rechnung ist falsch.";
    ck_assert_ok(cs_ingest(&r, h, &in));
    return r;
}

/* The Message-ID header stored for outbox item `id`, copied (the caller frees it). */
static char *header_id(cs_db *h, int64_t id)
{
    sqlite3_stmt *st = NULL;
    char *v;

    ck_assert_int_eq(sqlite3_prepare_v2(h->sql, "SELECT header_message_id FROM outbox WHERE id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

/* Whether `id` is "<" 32 lowercase hex digits "@" domain ">". */
static bool random_form(const char *id, const char *domain)
{
    size_t n = strspn(id + 1, "0123456789abcdef");

    return id[0] == '<' && n == 32 && id[33] == '@' && !strncmp(id + 34, domain, strlen(domain)) &&
           !strcmp(id + 34 + strlen(domain), ">");
}

/* Message-IDs ------------------------------------------------------------------------- */

/* A Message-ID says nothing of the ticket, the message or the time: two databases with the
 * same history, at the same time, make different ones. They were "<libcs.N.M.T@domain>",
 * so anyone could forge a reply into a ticket by guessing one. */
START_TEST(message_ids_are_random)
{
    cs_db *other = t_open_memory();
    cs_ingest_result *r1, *r2;
    char *a, *b;

    ck_assert_int_eq(t_channel(other, CS_CHANNEL_EMAIL, "Mail"), mail_ch);
    ck_assert_int_eq(t_sql_int(other, "UPDATE channel SET address = 'support@shop.example'"
                                      " RETURNING 1"),
                     1);
    r1 = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    r2 = mail_on(other, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    a = header_id(db, r1->receipt_id);
    b = header_id(other, r2->receipt_id);
    ck_assert_msg(random_form(a, "shop.example"), "%s", a);
    ck_assert_msg(random_form(b, "shop.example"), "%s", b);
    ck_assert_str_ne(a, b);
    free(a);
    free(b);

    /* An agent's reply too, and the stored message carries the same id for threading. */
    ck_assert_ok(cs_db_set_actor(db, CS_ACTOR_AGENT, carla));
    int64_t mid;
    ck_assert_ok(cs_reply(&mid, db, r1->ticket_id, "Wir prüfen das.", NULL));
    a = header_id(db, r1->receipt_id + 1);
    ck_assert_msg(random_form(a, "shop.example"), "%s", a);
    char sql[200];
    snprintf(sql, sizeof(sql), "SELECT external_id = '%s' FROM message WHERE id = %lld", a,
             (long long)mid);
    ck_assert_int_eq(t_sql_int(db, sql), 1);
    free(a);
    cs_ingest_result_free(r1);
    cs_ingest_result_free(r2);
    cs_db_close(other);
}
END_TEST

/* A channel without a usable domain in its address still gets well-formed ids. */
START_TEST(message_id_domain_is_sane)
{
    cs_ingest_result *r;
    char *a;

    ck_assert_int_eq(t_sql_int(db, "UPDATE channel SET address = 'support@bad domain\"x'"
                                   " RETURNING 1"),
                     1);
    r = mail_on(db, "<m1@anna.example>", "anna@example.com", "Anna", "Rechnung");
    a = header_id(db, r->receipt_id);
    ck_assert_msg(random_form(a, "libcs.invalid"), "%s", a);
    free(a);
    cs_ingest_result_free(r);
}
END_TEST

Suite *cs_mime_suite(void)
{
    Suite *s = suite_create("mime");
    TCase *tc = tcase_create("message_id");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, message_ids_are_random);
    tcase_add_test(tc, message_id_domain_is_sane);
    suite_add_tcase(s, tc);
    return s;
}
