/*
 * libcs - the init functions of the options structs: what the _INIT macros give, for FFI
 * bindings (PHP, Python) that cannot read macros, and for any older version of a struct a
 * caller was built with.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "cs-internal.h"

/* Copy the defaults of `version` (its size is sizes[version]) into *out. */
static int init(void *out, const void *defaults, unsigned int version, unsigned int latest,
                const size_t *sizes, const char *what)
{
    if (!out)
        return cs_error__inval(what, "%s is NULL", what);
    if (version < 1 || version > latest)
        return cs_error__inval("version", "%s version %u is not between 1 and %u", what, version,
                               latest);
    memcpy(out, defaults, sizes[version]);
    *(unsigned int *)out = version;
    return CS_OK;
}

/* One init function: the struct's defaults, and the size of each version from 1 on (older
 * versions end before the first member a later one added). */
#define INIT_FN(type, fn, VERSION, INIT, ...)                                                      \
    int fn(type *out, unsigned int version)                                                        \
    {                                                                                              \
        static const type defaults = INIT;                                                         \
        static const size_t sizes[] = {0, __VA_ARGS__};                                            \
        _Static_assert(sizeof(sizes) / sizeof(sizes[0]) == VERSION + 1, #type " sizes");           \
        return init(out, &defaults, version, VERSION, sizes, #type);                               \
    }

INIT_FN(cs_customer_fields, cs_customer_fields_init, CS_CUSTOMER_FIELDS_VERSION,
        CS_CUSTOMER_FIELDS_INIT, sizeof(cs_customer_fields))
INIT_FN(cs_channel_fields, cs_channel_fields_init, CS_CHANNEL_FIELDS_VERSION,
        CS_CHANNEL_FIELDS_INIT, offsetof(cs_channel_fields, locale), sizeof(cs_channel_fields))
INIT_FN(cs_agent_fields, cs_agent_fields_init, CS_AGENT_FIELDS_VERSION, CS_AGENT_FIELDS_INIT,
        offsetof(cs_agent_fields, ticket_access), sizeof(cs_agent_fields))
INIT_FN(cs_custom_field, cs_custom_field_init, CS_CUSTOM_FIELD_VERSION, CS_CUSTOM_FIELD_INIT,
        sizeof(cs_custom_field))
INIT_FN(cs_ticket_fields, cs_ticket_fields_init, CS_TICKET_FIELDS_VERSION, CS_TICKET_FIELDS_INIT,
        sizeof(cs_ticket_fields))
INIT_FN(cs_ticket_filter, cs_ticket_filter_init, CS_TICKET_FILTER_VERSION, CS_TICKET_FILTER_INIT,
        sizeof(cs_ticket_filter))
INIT_FN(cs_message_fields, cs_message_fields_init, CS_MESSAGE_FIELDS_VERSION,
        CS_MESSAGE_FIELDS_INIT, sizeof(cs_message_fields))
INIT_FN(cs_inbound, cs_inbound_init, CS_INBOUND_VERSION, CS_INBOUND_INIT, sizeof(cs_inbound))
INIT_FN(cs_mail_options, cs_mail_options_init, CS_MAIL_OPTIONS_VERSION, CS_MAIL_OPTIONS_INIT,
        sizeof(cs_mail_options))
INIT_FN(cs_reply_options, cs_reply_options_init, CS_REPLY_OPTIONS_VERSION, CS_REPLY_OPTIONS_INIT,
        offsetof(cs_reply_options, recipient), offsetof(cs_reply_options, html),
        sizeof(cs_reply_options))
INIT_FN(cs_route_group_fields, cs_route_group_fields_init, CS_ROUTE_GROUP_FIELDS_VERSION,
        CS_ROUTE_GROUP_FIELDS_INIT, sizeof(cs_route_group_fields))
INIT_FN(cs_route_report, cs_route_report_init, CS_ROUTE_REPORT_VERSION, CS_ROUTE_REPORT_INIT,
        sizeof(cs_route_report))
INIT_FN(cs_callback_fields, cs_callback_fields_init, CS_CALLBACK_FIELDS_VERSION,
        CS_CALLBACK_FIELDS_INIT, sizeof(cs_callback_fields))
INIT_FN(cs_sla_policy_fields, cs_sla_policy_fields_init, CS_SLA_POLICY_FIELDS_VERSION,
        CS_SLA_POLICY_FIELDS_INIT, sizeof(cs_sla_policy_fields))
INIT_FN(cs_sla_queue_filter, cs_sla_queue_filter_init, CS_SLA_QUEUE_FILTER_VERSION,
        CS_SLA_QUEUE_FILTER_INIT, sizeof(cs_sla_queue_filter))
