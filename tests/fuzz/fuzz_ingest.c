/*
 * libFuzzer target: cs_ingest() with every inbound field from the input. The input is
 * split at newlines into: channel (its first byte picks one of four), external_id, sender,
 * sender_name, locale, subject, in_reply_to, references, reply_to, conversation, ticket_id,
 * and the body (the rest, newlines included). An empty field is NULL. Each input runs in
 * an atomic section that is rolled back, on a database with earlier mail to thread into.
 * A message that went in must come back as a duplicate when ingested again, unless it went
 * in without its external id (unusable, or already another sender's).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"

#define FIELDS 12

static cs_db *db;

static cs_time fixed_clock(void *payload)
{
    (void)payload;
    return 1772442000; /* 2026-03-02T09:00:00Z */
}

static void setup(void)
{
    static const char *requests[][2] = {
        {"channel.create", "{\"kind\": \"email\", \"name\": \"Mail\"}"},
        {"channel.create", "{\"kind\": \"twitter\", \"name\": \"Twitter\"}"},
        {"channel.create", "{\"kind\": \"chat\", \"name\": \"Chat\"}"},
        {"channel.create", "{\"kind\": \"whatsapp\", \"name\": \"WhatsApp\"}"},
        {"ingest", "{\"channel_id\": 1, \"external_id\": \"<m1@example.com>\", \"sender\":"
                   " \"anna@example.com\", \"subject\": \"Rechnung\", \"body\": \"Hallo\"}"},
        {"ingest", "{\"channel_id\": 2, \"external_id\": \"tw-1\", \"sender\": \"@kim\","
                   " \"body\": \"wo ist mein Paket?\"}"},
        {"ingest", "{\"channel_id\": 3, \"external_id\": \"c-1\", \"sender\": \"v-1\","
                   " \"conversation\": \"s-1\", \"body\": \"hi\"}"},
        {"reply", "{\"ticket_id\": 1, \"body\": \"Wir kümmern uns.\"}"},
    };

    if (cs_db_open(&db, ":memory:", CS_OPEN_CREATE) < 0)
        abort();
    cs_db_set_clock(db, fixed_clock, NULL);
    for (size_t i = 0; i < CS_ARRAY_SIZE(requests); i++) {
        char *resp = NULL;
        if (cs_call(&resp, db, requests[i][0], requests[i][1]) < 0)
            abort();
        cs_str_free(resp);
    }
}

static bool stored_with_external_id(int64_t message_id)
{
    sqlite3_stmt *st = NULL;
    bool kept = false;

    if (sqlite3_prepare_v2(db->sql, "SELECT external_id IS NOT NULL FROM message WHERE id = ?1", -1,
                           &st, NULL) != SQLITE_OK)
        abort();
    sqlite3_bind_int64(st, 1, message_id);
    kept = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return kept;
}

/* Cut the text into fields at the first FIELDS - 1 newlines. */
static void split(char *text, const char *field[FIELDS])
{
    char *p = text;

    for (int i = 0; i < FIELDS; i++) {
        char *nl = i < FIELDS - 1 && p ? strchr(p, '\n') : NULL;
        if (nl)
            *nl = '\0';
        field[i] = p && *p ? p : NULL;
        p = nl ? nl + 1 : NULL;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_inbound in = CS_INBOUND_INIT;
    cs_ingest_result *r = NULL, *again = NULL;
    const char *f[FIELDS];
    char *text;

    if (!db)
        setup();
    if (!(text = malloc(size + 1)))
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    split(text, f);
    in.channel_id = f[0] ? 1 + (unsigned char)f[0][0] % 4 : 0;
    in.external_id = f[1];
    in.sender = f[2];
    in.sender_name = f[3];
    in.locale = f[4];
    in.subject = f[5];
    in.in_reply_to = f[6];
    in.references = f[7];
    in.reply_to = f[8];
    in.conversation = f[9];
    in.ticket_id = f[10] ? strtoll(f[10], NULL, 10) : 0;
    in.body = f[11];
    if (cs_db_begin(db) < 0)
        abort();
    if (cs_ingest(&r, db, &in) == CS_OK) {
        if (!r || !r->ticket_id || !r->message_id)
            abort();
        /* The id is kept unless it was unusable (too long, not UTF-8) or another sender's
         * (a forged Message-ID): then the message went in without it. */
        bool kept = stored_with_external_id(r->message_id);
        if (kept && (cs_ingest(&again, db, &in) < 0 || !again->duplicate ||
                     again->message_id != r->message_id))
            abort();
    }
    cs_ingest_result_free(r);
    cs_ingest_result_free(again);
    cs_db_rollback(db);
    if (db->txn_depth != 0 || cs_db_actor(db, NULL) != CS_ACTOR_SYSTEM)
        abort();
    free(text);
    return 0;
}
