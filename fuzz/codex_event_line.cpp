// Eats one line of `codex exec --json` output.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "executor/codex_events.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    codex_event_parse(std::string_view(reinterpret_cast<const char *>(data), size));
    return 0;
}
