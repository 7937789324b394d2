/*
 * libFuzzer target: cs_ingest_mail() with the input as the raw mail, on an email channel
 * whose outbox holds a sent reply (Message-ID <libcs-fuzz-1@shop.example>), so delivery
 * reports can match it. Each input runs in an atomic section that is rolled back. Whatever
 * the bytes, the mail must go in (CS_OK): as a message, automatic mail, a bounce, or kept
 * raw. Ingested again it must be a duplicate with the same message. Seeds: tests/mail and
 * tests/fuzz/corpus/mail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs-internal.h"
#include "db.h"

static cs_db *db;

static cs_time fixed_clock(void *payload)
{
    (void)payload;
    return 1772442000; /* 2026-03-02T09:00:00Z */
}

static void setup(void)
{
    static const char *requests[][2] = {
        {"channel.create", "{\"kind\": \"email\", \"name\": \"Mail\", \"address\":"
                           " \"service@shop.example\"}"},
        {"ingest", "{\"channel_id\": 1, \"external_id\": \"<m1@example.com>\", \"sender\":"
                   " \"anna@example.com\", \"subject\": \"Lieferung\", \"body\": \"Hallo\"}"},
        {"reply", "{\"ticket_id\": 1, \"body\": \"Morgen.\"}"},
        {"outbox.claim", "{\"max\": 10}"},
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
    if (sqlite3_exec(db->sql,
                     "UPDATE outbox SET state = 3, header_message_id ="
                     " '<libcs-fuzz-1@shop.example>' WHERE kind = 'reply'",
                     NULL, NULL, NULL) != SQLITE_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_ingest_result *r = NULL, *again = NULL;

    if (!db)
        setup();
    if (cs_db_begin(db) < 0)
        abort();
    if (cs_ingest_mail(&r, db, 1, data, size, NULL) != CS_OK || !r->mail_kind)
        abort();
    if (r->mail_kind == CS_MAIL_BOUNCE ? !r->bounced_item_id : !r->ticket_id || !r->message_id)
        abort();
    if (r->mail_kind != CS_MAIL_BOUNCE &&
        (cs_ingest_mail(&again, db, 1, data, size, NULL) != CS_OK || !again->duplicate ||
         again->message_id != r->message_id || again->mail_kind != r->mail_kind))
        abort();
    cs_ingest_result_free(r);
    cs_ingest_result_free(again);
    cs_db_rollback(db);
    if (db->txn_depth != 0)
        abort();
    return 0;
}
