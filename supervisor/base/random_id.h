// Fresh ids for what the proxy names: requests, responses, messages, calls.
#pragma once
#include <string>

// prefix followed by 24 random hex digits.
std::string random_id(const char *prefix);
