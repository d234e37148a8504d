// Eats one line of `codex exec --json` output, as the executor handles it:
// the event parsed, and an agent message's text repaired to UTF-8 (which
// must then be left as it is by a second repair).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "executor/codex_events.h"
#include "executor/utf8_repair.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    std::string_view line(reinterpret_cast<const char *>(data), size);
    CodexEvent ev = codex_event_parse(line);
    std::string text = utf8_repair(ev.kind == CodexEventKind::AgentMessage ? std::string_view(ev.text) : line);
    if (utf8_repair(text) != text) abort();
    return 0;
}
