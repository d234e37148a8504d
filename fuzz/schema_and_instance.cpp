// Eats a JSON Schema and an instance (split at the first NUL byte): every
// schema function the proxy applies to a client's schema, and the check of
// the instance against it.
#include <cjson/cJSON.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/split_input.h"
#include "supervisor/answer/json_schema_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    auto [schema_text, instance_text] = split_input(data, size);
    cJSON *schema = cJSON_ParseWithLength(schema_text.data(), schema_text.size());
    if (!schema) return 0;
    // As answer_request does: definitions moved, then the shape checked;
    // only a well-formed schema is ever checked against, with a budget.
    std::string problem;
    json_schema_use_defs(schema);
    bool well_formed = json_schema_well_formed(schema, problem);
    json_schema_strict_ok(schema, problem);
    if (cJSON *instance = cJSON_ParseWithLength(instance_text.data(), instance_text.size())) {
        SchemaWork work;
        if (well_formed) json_schema_validate(schema, schema, instance, problem, &work);
        cJSON_Delete(instance);
    }
    cJSON_Delete(schema);
    return 0;
}
