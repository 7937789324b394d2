/*
 * embed - the smallest host program: copy this into your shop and grow it.
 *
 * It walks one customer mail through both doors of libcs:
 *   1. open (or create) the helpdesk database,
 *   2. configure an email channel and an agent (once, at setup time in a real shop),
 *   3. ingest a customer's mail (your mail adapter does this for every message),
 *   4. reply as the agent (your agent UI does this),
 *   5. drain the outbox (your sending adapter does this, on a timer or after each change).
 *
 * Usage: embed [DATABASE]   (default embed.db; the file is created if it does not exist)
 * Build: cc embed.c $(pkg-config --cflags --libs libcs)
 */
#include <stdio.h>

#include <libcs.h>

/* Every fallible libcs call returns CS_OK (0) or a negative code, and cs_error_last()
 * says in words what went wrong. */
static int check(int rc, const char *what)
{
    if (rc != CS_OK)
        fprintf(stderr, "embed: %s: %s\n", what, cs_error_last()->message);
    return rc;
}

/* A stand-in for your channel adapter: a real one would hand the item to SMTP, the
 * Twitter API or an SMS gateway, and fail (cs_outbox_fail) when that goes wrong. */
static int drain_outbox(cs_db *db)
{
    cs_outbox_batch *batch = NULL;
    size_t sent = 0;
    int rc;

    /* Claim what is due, with a 60-second lease: if this process dies before it
     * acknowledges, the lease runs out and the items are claimed again after a backoff -
     * nothing is lost. */
    if (check(rc = cs_outbox_claim(&batch, db, 0, 0, 10, 60), "claiming the outbox"))
        return rc;
    for (size_t i = 0; i < cs_outbox_batch_count(batch); i++) {
        const cs_outbox_item *item = cs_outbox_batch_item(batch, i);
        printf("sending %s to %s: %s\n%s\n", item->kind, item->recipient,
               item->subject ? item->subject : "", item->body);
        /* Acknowledge with the channel's id for what was sent (for mail the Message-ID),
         * so that the customer's answer threads back into the same ticket. */
        if (check(rc = cs_outbox_ack(db, item->id, item->lease, item->message_id_header),
                  "acknowledging"))
            break;
        printf("-> sent (outbox item %lld)\n\n", (long long)item->id);
        sent++;
    }
    cs_outbox_batch_free(batch);
    if (rc == CS_OK)
        printf("outbox drained: %zu sent\n", sent);
    return rc;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "embed.db";
    cs_channel_fields channel = CS_CHANNEL_FIELDS_INIT;
    cs_agent_fields agent = CS_AGENT_FIELDS_INIT;
    cs_inbound mail = CS_INBOUND_INIT;
    cs_ingest_result *result = NULL;
    int64_t channel_id, agent_id, reply_id;
    cs_db *db = NULL;
    int rc;

    /* One handle per thread; the schema is created or upgraded on open. */
    if (check(cs_db_open(&db, path, CS_OPEN_CREATE), path))
        return 1;

    /* Setup. The handle acts as the system until told otherwise, so it may configure.
     * Strings are copied: stack buffers and literals are fine. */
    channel.kind = CS_CHANNEL_EMAIL;
    channel.name = "Mail";
    channel.address = "support@shop.example";
    agent.name = "Anna Berger";
    agent.email = "anna@shop.example";
    if (check(rc = cs_channel_create(&channel_id, db, &channel), "creating the channel") ||
        check(rc = cs_agent_create(&agent_id, db, &agent), "creating the agent"))
        goto out;

    /* The first door. The external id (the mail's Message-ID) makes ingest idempotent:
     * an adapter that delivers the same mail twice gets the first result back. */
    mail.channel_id = channel_id;
    mail.external_id = "<order-4711@customer.example>";
    mail.sender = "kim@customer.example";
    mail.sender_name = "Kim Meyer";
    mail.subject = "Where is my order 4711?";
    mail.body = "Hello, I ordered a kettle last week and it has not arrived yet.";
    if (check(rc = cs_ingest(&result, db, &mail), "ingesting"))
        goto out;
    printf("ingested: ticket #%lld (id %lld), customer %lld%s\n", (long long)result->ticket_number,
           (long long)result->ticket_id, (long long)result->customer_id,
           result->created ? ", new ticket" : "");

    /* Act as the agent: the reply is signed by and audited to her, and goes out on the
     * channel the customer wrote in. */
    if (check(rc = cs_db_set_actor(db, CS_ACTOR_AGENT, agent_id), "acting as the agent") ||
        check(rc = cs_reply(&reply_id, db, result->ticket_id,
                            "Hello Kim, your kettle left our warehouse today.", NULL),
              "replying"))
        goto out;
    printf("replied: message %lld\n\n", (long long)reply_id);

    /* The second door: the sending adapter acts as the system. The outbox holds the
     * receipt ingest queued and the agent's reply. */
    if (check(rc = cs_db_set_actor(db, CS_ACTOR_SYSTEM, 0), "acting as the system") ||
        (rc = drain_outbox(db)) != CS_OK)
        goto out;

    /* The clock: the host calls cs_tick() from a timer (cron, a thread, its event loop).
     * It records SLA warnings and breaches that fell due, each once, so calling it often
     * is cheap and calling it twice for the same time changes nothing. */
    cs_tick_result *tick = NULL;
    if (check(rc = cs_tick(&tick, db, cs_db_now(db)), "running the clock"))
        goto out;
    printf("tick: %zu warnings, %zu breaches\n", cs_tick_result_warned(tick),
           cs_tick_result_breached(tick));
    cs_tick_result_free(tick);

out:
    cs_ingest_result_free(result);
    cs_db_close(db);
    return rc == CS_OK ? 0 : 1;
}
