#include "check_suites.h"
#include "helpers.h"

Suite *cs_config_suite(void)
{
    Suite *s = suite_create("config");
    return s;
}
