// cmocka wants these headers first, in this order.
#pragma once
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>
#include <memory>  // pulls in <ostream>, whose fail() cmocka's fail macro would break
extern "C" {
#include <cmocka.h>
}
#include <string>

#define assert_str_equal(a, b) assert_string_equal(std::string(a).c_str(), std::string(b).c_str())
