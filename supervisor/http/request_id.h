// Request ids: a client's X-Request-Id is honoured when it is a plain token,
// so a caller can follow one request through its own logs and ours.
#pragma once
#include <string>
#include <string_view>

bool request_id_acceptable(std::string_view id);
