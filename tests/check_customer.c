#include "check_suites.h"
#include "helpers.h"

Suite *cs_customer_suite(void)
{
    Suite *s = suite_create("customer");
    return s;
}
