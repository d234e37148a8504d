#include "supervisor/jobs/job.h"
#include "cmocka_cpp.h"

static void time_left_counts_down_to_the_deadline(void **) { assert_int_equal(ms_left(10000, 4000), 6000); }

static void no_time_is_left_at_the_deadline(void **) { assert_int_equal(ms_left(10000, 10000), 0); }

// Not a wrap-around to almost 2^64 ms.
static void no_time_is_left_past_the_deadline(void **) { assert_int_equal(ms_left(10000, 10001), 0); }

int main() {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_left_counts_down_to_the_deadline),
        cmocka_unit_test(no_time_is_left_at_the_deadline),
        cmocka_unit_test(no_time_is_left_past_the_deadline),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
