// storage writes JSON with the helpers of generators/json.h (the lowest layer that
// needs them); these names keep storage code short.
#pragma once

#include "generators/json.h"

namespace primer::storage {
using generators::append_json_string;
using generators::hex64;
using generators::JsonWriter;
}  // namespace primer::storage
