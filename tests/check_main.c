/*
 * Runs every Check suite. CK_RUN_SUITE / CK_RUN_CASE select a part, as usual with Check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check_suites.h"

int main(void)
{
    Suite *(*suites[])(void) = {
        cs_db_suite,      cs_customer_suite, cs_config_suite, cs_ticket_suite, cs_ingest_suite,
        cs_call_suite,    cs_calendar_suite, cs_sla_suite,    cs_route_suite,  cs_outbox_suite,
        cs_privacy_suite, cs_nomem_suite,    cs_perm_suite,   cs_mail_suite,   cs_mime_suite,
    };
    SRunner *sr = srunner_create(NULL);
    int failed;

    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        srunner_add_suite(sr, suites[i]());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
