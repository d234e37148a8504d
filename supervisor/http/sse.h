// Server-Sent Events framing (WHATWG "event stream" format).
#pragma once
#include <string>
#include <string_view>

// One event: an optional `event:` line, then the data split into `data:`
// lines at every line break so that no payload can end an event early.
std::string sse_event(std::string_view event, std::string_view data);
// A comment line; clients ignore it, proxies see traffic.
std::string sse_comment(std::string_view text);
