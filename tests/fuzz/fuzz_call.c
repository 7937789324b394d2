/*
 * libFuzzer target: cs_call(). The input is "method\n" followed by the request JSON. Every
 * input runs in an atomic section that is rolled back, on one in-memory database set up
 * once with channels, an agent, customers, tickets and outbox items, so requests reach
 * deep code and each input sees the same state. The response must always be a JSON object.
 */
#include <jansson.h>
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

static void setup_call(const char *method, const char *request)
{
    char *resp = NULL;
    if (cs_call(&resp, db, method, request) < 0)
        abort();
    cs_str_free(resp);
}

static void setup(void)
{
    if (cs_db_open(&db, ":memory:", CS_OPEN_CREATE) < 0)
        abort();
    cs_db_set_clock(db, fixed_clock, NULL);
    setup_call("group.create", "{\"name\": \"Kundenservice\"}");
    setup_call("channel.create", "{\"kind\": \"email\", \"name\": \"Mail\", \"address\":"
                                 " \"support@shop.example\", \"default_group_id\": 1}");
    setup_call("channel.create", "{\"kind\": \"twitter\", \"name\": \"Twitter\"}");
    setup_call("channel.create", "{\"kind\": \"chat\", \"name\": \"Chat\"}");
    setup_call("agent.create", "{\"name\": \"Carla Admin\", \"email\": \"carla@shop.example\","
                               " \"role\": \"admin\"}");
    setup_call("customer.create", "{\"name\": \"Anna\", \"identities\": [{\"kind\": \"email\","
                                  " \"value\": \"anna@example.com\"}], \"tags\": [\"vip\"]}");
    setup_call("ingest", "{\"channel_id\": 1, \"external_id\": \"<m1@example.com>\", \"sender\":"
                         " \"anna@example.com\", \"subject\": \"Rechnung\", \"body\": \"Hallo\"}");
    setup_call("ingest", "{\"channel_id\": 2, \"external_id\": \"tw-1\", \"sender\": \"@kim\","
                         " \"body\": \"@shop wo ist mein Paket?\"}");
    setup_call("ingest", "{\"channel_id\": 3, \"external_id\": \"c-1\", \"sender\": \"v-1\","
                         " \"conversation\": \"s-1\", \"body\": \"hi\"}");
    setup_call("reply", "{\"ticket_id\": 1, \"body\": \"Wir kümmern uns.\"}");
    setup_call("message.create", "{\"ticket_id\": 1, \"body\": \"intern\", \"visibility\":"
                                 " \"internal\"}");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input, *request, *resp = NULL;
    json_t *parsed;

    if (!db)
        setup();
    if (!(input = malloc(size + 1)))
        return 0;
    memcpy(input, data, size);
    input[size] = '\0';
    request = strchr(input, '\n');
    if (request)
        *request++ = '\0';
    if (cs_db_begin(db) < 0)
        abort();
    cs_call(&resp, db, input, request);
    /* Whatever came in, the answer is a JSON object. */
    if (!resp || !(parsed = json_loads(resp, 0, NULL)) || !json_is_object(parsed))
        abort();
    json_decref(parsed);
    cs_str_free(resp);
    cs_db_rollback(db);
    cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0);
    if (db->txn_depth != 0)
        abort();
    free(input);
    return 0;
}
