#include "check_suites.h"
#include "helpers.h"

Suite *cs_ticket_suite(void)
{
    Suite *s = suite_create("ticket");
    return s;
}
