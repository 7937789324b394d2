#include "check_suites.h"
#include "helpers.h"
Suite *cs_sla_suite(void)
{
    return suite_create("sla");
}
