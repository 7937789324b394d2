/* The Check suites, one per module. */
#ifndef CHECK_SUITES_H
#define CHECK_SUITES_H

#include <check.h>

Suite *cs_db_suite(void);
Suite *cs_customer_suite(void);
Suite *cs_config_suite(void);
Suite *cs_ticket_suite(void);
Suite *cs_ingest_suite(void);
Suite *cs_call_suite(void);
Suite *cs_calendar_suite(void);
Suite *cs_sla_suite(void);
Suite *cs_route_suite(void);
Suite *cs_outbox_suite(void);
Suite *cs_privacy_suite(void);
Suite *cs_nomem_suite(void);
Suite *cs_perm_suite(void);
Suite *cs_mail_suite(void);
Suite *cs_mime_suite(void);

#endif
