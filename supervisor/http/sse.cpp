#include "supervisor/http/sse.h"

std::string sse_event(std::string_view event, std::string_view data) {
    std::string out;
    out.reserve(data.size() + event.size() + 16);
    if (!event.empty()) {
        out += "event: ";
        out += event;
        out += '\n';
    }
    size_t start = 0;
    for (;;) {
        size_t nl = data.find_first_of("\r\n", start);
        out += "data: ";
        out += data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        out += '\n';
        if (nl == std::string_view::npos) break;
        start = nl + ((data[nl] == '\r' && nl + 1 < data.size() && data[nl + 1] == '\n') ? 2 : 1);
    }
    out += '\n';
    return out;
}

std::string sse_comment(std::string_view text) {
    std::string out = ": ";
    for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
    out += "\n\n";
    return out;
}
